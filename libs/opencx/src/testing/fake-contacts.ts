import { randomUUID } from 'node:crypto';
import { fakeContactId } from './fake-token.js';

/**
 * A contact as `GET /contacts` lists it (OpenCX's `Contact`: the fields may be null; OpenCX
 * documents `custom_data` with string values, the fake keeps what it was sent).
 */
export interface FakeContact {
  /** A UUID. */
  id: string;
  email: string | null;
  phone_number: string | null;
  name: string | null;
  custom_data: Record<string, unknown> | null;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
}

/** A contact to add with `OpenCxFakeServer.addContact`: the fields left out are null, the times now. */
export type FakeContactInit = Partial<Omit<FakeContact, 'id'>> & { id?: string };

/** The profile fields `PATCH /contacts/{id}` may change, as its body's `contact` names them. */
export interface FakeContactChanges {
  email?: string;
  phone?: string;
  name?: string;
  custom_data?: Record<string, unknown>;
}

/** The time filters of `GET /contacts`, in ms since the epoch; each bound is exclusive. */
export interface FakeContactFilter {
  createdAfter?: number;
  createdBefore?: number;
  updatedAfter?: number;
  updatedBefore?: number;
}

interface Stored extends Omit<FakeContact, 'created_at' | 'updated_at'> {
  /** Creation order: what the list is sorted by and its cursor points into. */
  seq: number;
  createdAt: number;
  updatedAt: number;
}

interface Organisation {
  byId: Map<string, Stored>;
  /** The contact holding each email (trimmed, lower case). */
  byEmail: Map<string, string>;
  /** How many contacts each email has had: a new one after a deletion gets a new id. */
  created: Map<string, number>;
  seq: number;
}

const key = (email: string): string => email.trim().toLowerCase();

const view = ({ seq: _seq, createdAt, updatedAt, ...fields }: Stored): FakeContact => ({
  ...fields,
  custom_data: fields.custom_data === null ? null : { ...fields.custom_data },
  created_at: new Date(createdAt).toISOString(),
  updated_at: new Date(updatedAt).toISOString(),
});

/**
 * The fake's contacts, one book per organisation. Emails are matched trimmed and case-blind, and
 * authenticate-user upserts by email: both are assumptions (OpenCX documents neither).
 */
export class FakeContactBook {
  private readonly orgs = new Map<string, Organisation>();

  private org(orgId: string): Organisation {
    let org = this.orgs.get(orgId);
    if (!org) {
      org = { byId: new Map(), byEmail: new Map(), created: new Map(), seq: 0 };
      this.orgs.set(orgId, org);
    }
    return org;
  }

  /** The id of the email's contact, or the id its next contact will get. */
  idFor(orgId: string, email: string): string {
    const org = this.org(orgId);
    const held = org.byEmail.get(key(email));
    if (held !== undefined) return held;
    const count = org.created.get(key(email)) ?? 0;
    return fakeContactId(count === 0 ? email : `${key(email)}#${count}`, orgId);
  }

  /** authenticate-user: the email's contact, created or with the given fields replaced. */
  upsert(orgId: string, email: string, profile: { name?: string; phone?: string; customData?: object }): FakeContact {
    const org = this.org(orgId);
    const held = org.byEmail.get(key(email));
    const fields = {
      ...(profile.name === undefined ? {} : { name: profile.name }),
      ...(profile.phone === undefined ? {} : { phone_number: profile.phone }),
      ...(profile.customData === undefined ? {} : { custom_data: { ...profile.customData } }),
    };
    if (held === undefined) return this.add(orgId, { email, ...fields });
    const stored = org.byId.get(held)!;
    // A call that sends no profile field changes nothing, updated_at included (assumed).
    if (Object.keys(fields).length > 0) Object.assign(stored, fields, { updatedAt: Date.now() });
    return view(stored);
  }

  /** Adds a contact as given (the id derived from the email unless set). Throws on a clash or a bad time. */
  add(orgId: string, init: FakeContactInit): FakeContact {
    const org = this.org(orgId);
    const email = init.email ?? null;
    if (email !== null && org.byEmail.has(key(email)))
      throw new Error('the fake already has a contact with this email');
    const id = init.id ?? (email === null ? randomUUID() : this.idFor(orgId, email));
    if (org.byId.has(id)) throw new Error(`the fake already has a contact ${id}`);
    const createdAt = time(init.created_at, Date.now());
    const stored: Stored = {
      seq: ++org.seq,
      id,
      email,
      phone_number: init.phone_number ?? null,
      name: init.name ?? null,
      custom_data: init.custom_data ?? null,
      createdAt,
      updatedAt: time(init.updated_at, createdAt),
    };
    org.byId.set(id, stored);
    if (email !== null) {
      org.byEmail.set(key(email), id);
      org.created.set(key(email), (org.created.get(key(email)) ?? 0) + 1);
    }
    return view(stored);
  }

  /** PATCH: replaces the given fields. An email another contact holds is refused (assumed). */
  update(orgId: string, id: string, changes: FakeContactChanges): 'updated' | 'not-found' | 'email-taken' {
    const org = this.org(orgId);
    const stored = org.byId.get(id);
    if (!stored) return 'not-found';
    if (changes.email !== undefined) {
      const holder = org.byEmail.get(key(changes.email));
      if (holder !== undefined && holder !== id) return 'email-taken';
      if (stored.email !== null) org.byEmail.delete(key(stored.email));
      org.byEmail.set(key(changes.email), id);
      stored.email = changes.email;
    }
    if (changes.phone !== undefined) stored.phone_number = changes.phone;
    if (changes.name !== undefined) stored.name = changes.name;
    if (changes.custom_data !== undefined) stored.custom_data = { ...changes.custom_data };
    stored.updatedAt = Date.now();
    return 'updated';
  }

  /** DELETE: whether there was such a contact. */
  remove(orgId: string, id: string): boolean {
    const org = this.org(orgId);
    const stored = org.byId.get(id);
    if (!stored) return false;
    org.byId.delete(id);
    if (stored.email !== null && org.byEmail.get(key(stored.email)) === id) org.byEmail.delete(key(stored.email));
    return true;
  }

  /** Whether the organisation has this contact (not deleted). */
  has(orgId: string, id: string): boolean {
    return this.orgs.get(orgId)?.byId.has(id) ?? false;
  }

  /** One page: the contacts created after position `after` that pass `filter`, oldest first. */
  page(orgId: string, filter: FakeContactFilter, after: number, size: number): { items: FakeContact[]; next?: number } {
    const matching = [...this.org(orgId).byId.values()]
      .filter((c) => c.seq > after && passes(c, filter))
      .toSorted((a, b) => a.seq - b.seq);
    const page = matching.slice(0, size);
    return {
      items: page.map(view),
      ...(matching.length > size ? { next: page.at(-1)!.seq } : {}),
    };
  }

  /** Every contact of the organisation, oldest first. */
  list(orgId: string): FakeContact[] {
    return this.page(orgId, {}, 0, Infinity).items;
  }

  /** Forgets every contact of every organisation. */
  clear(): void {
    this.orgs.clear();
  }
}

function time(iso: string | undefined, otherwise: number): number {
  if (iso === undefined) return otherwise;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error('created_at and updated_at must be ISO 8601 times');
  return ms;
}

function passes(contact: Stored, filter: FakeContactFilter): boolean {
  return (
    (filter.createdAfter === undefined || contact.createdAt > filter.createdAfter) &&
    (filter.createdBefore === undefined || contact.createdAt < filter.createdBefore) &&
    (filter.updatedAfter === undefined || contact.updatedAt > filter.updatedAfter) &&
    (filter.updatedBefore === undefined || contact.updatedAt < filter.updatedBefore)
  );
}
