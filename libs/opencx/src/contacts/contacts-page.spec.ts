import { OpenCxInvalidResponseError } from '../errors/opencx.errors.js';
import { parseContactsPage } from './contacts-page.js';

const CONTACT = {
  id: '3f2b8c1e-6d4a-4b7e-9c2f-1a5e7d9b0c34',
  email: 'jane@example.com',
  phone_number: '+1234567890',
  name: 'Jane',
  custom_data: { plan: 'pro' },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-02T00:00:00.000Z',
};

const parse = (body: unknown): unknown =>
  parseContactsPage(200, typeof body === 'string' ? body : JSON.stringify(body));

describe('parseContactsPage', () => {
  it('copies the documented fields of each contact, and the next cursor', () => {
    expect(parse({ items: [CONTACT], next: 'abc' })).toEqual({ items: [CONTACT], next: 'abc' });
    expect(parse({ items: [], next: null })).toEqual({ items: [], next: null });
  });

  it.each([
    '2026-01-01T00:00:00Z',
    '2026-01-01T00:00:00.123456+00:00',
    '2026-01-01T09:30-05:00',
    '2026-01-01T00:00:00',
  ])('takes the ISO 8601 date-time %s as a time, as sent', (time) => {
    const contact = { ...CONTACT, created_at: time, updated_at: time };
    expect(parse({ items: [contact], next: null })).toEqual({ items: [contact], next: null });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{"items": [', 'not JSON'],
    ['an array', [CONTACT], 'not an object with an items list'],
    ['items that are not a list', { items: {}, next: null }, 'not an object with an items list'],
    ['no next', { items: [] }, 'next is neither null nor a cursor'],
    ['a numeric next', { items: [], next: 2 }, 'next is neither null nor a cursor'],
    ['an empty next', { items: [], next: '' }, 'next is neither null nor a cursor'],
    ['an item that is not an object', { items: [CONTACT, 'x'], next: null }, 'items[1] is not an object'],
    ['an id that is not a UUID', { items: [{ ...CONTACT, id: 'a/..' }], next: null }, 'items[0] id is not a UUID'],
    [
      'a numeric phone',
      { items: [{ ...CONTACT, phone_number: 1 }], next: null },
      'items[0] phone_number is not a string or null',
    ],
    [
      'a name that is an object',
      { items: [{ ...CONTACT, name: {} }], next: null },
      'items[0] name is not a string or null',
    ],
    [
      'custom_data that is a list',
      { items: [{ ...CONTACT, custom_data: [] }], next: null },
      'items[0] custom_data is not an object or null',
    ],
    [
      'no created_at',
      { items: [{ ...CONTACT, created_at: undefined }], next: null },
      'items[0] created_at is not an ISO 8601 date-time',
    ],
    ...[
      '1',
      'March 7',
      'Sat, 07 Mar 2026 10:00:00 GMT',
      '2026-01-01',
      '2026-01-01 00:00:00Z',
      '2026-02-30T00:00:00Z',
    ].map((time): [string, unknown, string] => [
      `an updated_at of ${JSON.stringify(time)}`,
      { items: [CONTACT, { ...CONTACT, updated_at: time }], next: null },
      'items[1] updated_at is not an ISO 8601 date-time',
    ]),
  ])('refuses %s as OpenCxInvalidResponseError, saying what, never the value', (_label, body, reason) => {
    const error = (() => {
      try {
        return parse(body);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
    expect((error as Error).message).toBe(`OpenCX answered 200 with an invalid body: ${reason}`);
  });
});
