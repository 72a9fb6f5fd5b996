import { randomUUID } from 'node:crypto';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { ContactAuthServiceMock } from './contact-auth.mock.js';

describe('ContactAuthServiceMock: the contacts calls', () => {
  it('checks and records updates as the service would send them', async () => {
    const mock = new ContactAuthServiceMock();
    const id = randomUUID();
    await mock.updateContact(id.toUpperCase(), { name: 'Jane', custom_data: { plan: 'pro' } });
    expect(mock.updates).toEqual([
      { contactId: id, changes: { name: 'Jane', custom_data: { plan: 'pro' } }, options: {} },
    ]);
    await expect(mock.updateContact(id, {})).rejects.toBeInstanceOf(OpenCxValidationError);
    await expect(mock.updateContact('..', { name: 'x' })).rejects.toBeInstanceOf(OpenCxValidationError);
    expect(mock.updates).toHaveLength(1);
  });

  it('checks and records deletions, resolving { deleted: true }', async () => {
    const mock = new ContactAuthServiceMock();
    const id = randomUUID();
    await expect(mock.deleteContact(id)).resolves.toEqual({ deleted: true });
    await expect(mock.deleteContact('%2e%2e')).rejects.toBeInstanceOf(OpenCxValidationError);
    expect(mock.deletions).toEqual([{ contactId: id, options: {} }]);
    mock.reset();
    expect([mock.updates, mock.deletions]).toEqual([[], []]);
  });

  it('lists its contacts option a page at a time, the filter applied, as the service would', async () => {
    const contacts = Array.from({ length: 5 }, (_, i) => ({
      id: randomUUID(),
      email: `c${i}@example.com`,
      phone_number: null,
      name: null,
      custom_data: null,
      created_at: `2026-01-0${i + 1}T00:00:00.000Z`,
      updated_at: `2026-01-0${i + 1}T00:00:00.000Z`,
    }));
    const mock = new ContactAuthServiceMock({ contacts, contactsPageSize: 2 });
    const listed = [];
    for await (const contact of mock.listContacts({ createdAfter: new Date('2026-01-01T00:00:00Z') }))
      listed.push(contact);
    expect(listed).toEqual(contacts.slice(1));
    expect(mock.listed.map((query) => query.cursor)).toEqual([undefined, '2']);
    await expect(mock.listContactsPage({ cursor: '4' })).resolves.toEqual({ items: contacts.slice(4), next: null });
    await expect(mock.listContactsPage({ createdSince: 'x' } as never)).rejects.toBeInstanceOf(OpenCxValidationError);
  });
});
