import { MAX_FIELD_PATH, MAX_KEY_SHOWN, fieldPath, messageAbout, shownKey } from './field-path.js';

describe('field paths in a 400', () => {
  it('names a field by its dotted path', () => {
    expect(fieldPath('', 'email')).toBe('email');
    expect(fieldPath('customData.plan', 'tier')).toBe('customData.plan.tier');
  });

  it("names the parent for class-validator's error without a property (an unknown nested value)", () => {
    expect(fieldPath('mcp_access', undefined as unknown as string)).toBe('mcp_access');
    expect(fieldPath('', undefined as unknown as string)).toBe('(body)');
  });

  it('shows an empty key as "" so the path still names something', () => {
    expect(fieldPath('', '')).toBe('""');
    expect(fieldPath('customData', '')).toBe('customData.""');
  });

  it('counts a key by its characters, not its code units', () => {
    expect(shownKey('😀'.repeat(MAX_KEY_SHOWN))).toBe('😀'.repeat(MAX_KEY_SHOWN));
  });

  it('cuts a long key, and a long path, ending with …, without splitting a character', () => {
    const key = '😀'.repeat(60_000);
    expect(Array.from(shownKey(key))).toHaveLength(MAX_KEY_SHOWN);
    expect(shownKey(key)).toBe(`${'😀'.repeat(MAX_KEY_SHOWN - 1)}…`);
    const path = Array.from({ length: 20 }, () => 'k'.repeat(39)).reduce((parent, part) => fieldPath(parent, part), '');
    expect(path).toHaveLength(MAX_FIELD_PATH);
    expect(path.endsWith('…')).toBe(true);
  });

  it("rewrites class-validator's message with the key as shown, and bounds it", () => {
    const key = 'k'.repeat(60_000);
    expect(messageAbout(key, `property ${key} should not exist`, 300)).toBe(
      `property ${'k'.repeat(MAX_KEY_SHOWN - 1)}… should not exist`,
    );
    expect(messageAbout('', 'property  should not exist', 300)).toBe('property "" should not exist');
    expect(messageAbout('name', 'x'.repeat(1_000), 300)).toHaveLength(300);
  });
});
