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
});
