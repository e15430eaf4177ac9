import { newId } from '../ids.ts';
import { isUniqueViolation, type Db } from '../store/db.ts';
import { CONTACT_COLUMNS, withExternalIds, type Contact, type ContactRow } from './contact-store.ts';
import { ListNameTakenError } from './errors.ts';

export interface ContactList {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
  seq: number;
}

type ListRow = { id: string; seq: number; name: string; description: string | null; member_count: number; created_at: Date; updated_at: Date };

const LIST_COLUMNS = `l.id, l.seq, l.name, l.description, l.created_at, l.updated_at,
  (SELECT count(*)::int FROM list_members m WHERE m.tenant_id = l.tenant_id AND m.list_id = l.id) AS member_count`;

const toList = (row: ListRow): ContactList => ({
  id: row.id,
  name: row.name,
  description: row.description,
  memberCount: row.member_count,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  seq: row.seq,
});

export type MembershipChange = 'added' | 'already-member' | 'removed' | 'not-member' | 'not-found';

/** Named lists of contacts per tenant; adding and removing members is idempotent. */
export class ContactLists {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** @throws ListNameTakenError when the tenant has a list of that name (case-insensitive). */
  async create(tenantId: string, input: { name: string; description?: string | null }): Promise<ContactList> {
    const id = newId('lst');
    try {
      await this.#db.query('INSERT INTO contact_lists (id, tenant_id, name, description) VALUES ($1, $2, $3, $4)', [id, tenantId, input.name, input.description ?? null]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ListNameTakenError(input.name);
      throw error;
    }
    return (await this.get(tenantId, id))!;
  }

  async get(tenantId: string, id: string): Promise<ContactList | undefined> {
    const [row] = await this.#db.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM contact_lists l WHERE l.tenant_id = $1 AND l.id = $2`, [tenantId, id]);
    return row && toList(row);
  }

  /** Newest first. */
  async list(tenantId: string, page: { beforeSeq?: number; limit: number }): Promise<ContactList[]> {
    const rows = await this.#db.query<ListRow>(
      `SELECT ${LIST_COLUMNS} FROM contact_lists l WHERE l.tenant_id = $1 AND ($2::bigint IS NULL OR l.seq < $2) ORDER BY l.seq DESC LIMIT $3`,
      [tenantId, page.beforeSeq ?? null, page.limit],
    );
    return rows.map(toList);
  }

  /** Deletes the list and its memberships (not the contacts). */
  async delete(tenantId: string, id: string): Promise<boolean> {
    return (await this.#db.query('DELETE FROM contact_lists WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id])).length === 1;
  }

  /** `not-found` when the list or the contact is not the tenant's. */
  async addMember(tenantId: string, listId: string, contactId: string): Promise<MembershipChange> {
    const inserted = await this.#db.query(
      `INSERT INTO list_members (list_id, contact_id, tenant_id)
       SELECT l.id, c.id, l.tenant_id FROM contact_lists l JOIN contacts c ON c.tenant_id = l.tenant_id AND c.id = $3
       WHERE l.tenant_id = $1 AND l.id = $2
       ON CONFLICT (list_id, contact_id) DO NOTHING RETURNING seq`,
      [tenantId, listId, contactId],
    );
    if (inserted.length === 1) return 'added';
    return (await this.#bothExist(tenantId, listId, contactId)) ? 'already-member' : 'not-found';
  }

  async removeMember(tenantId: string, listId: string, contactId: string): Promise<MembershipChange> {
    const removed = await this.#db.query('DELETE FROM list_members WHERE tenant_id = $1 AND list_id = $2 AND contact_id = $3 RETURNING seq', [tenantId, listId, contactId]);
    if (removed.length === 1) return 'removed';
    return (await this.#bothExist(tenantId, listId, contactId)) ? 'not-member' : 'not-found';
  }

  /** Members, most recently added first; `seq` is the membership's (the cursor). Undefined when the list is not the tenant's. */
  async members(tenantId: string, listId: string, page: { beforeSeq?: number; limit: number }): Promise<(Contact & { seq: number })[] | undefined> {
    if (!(await this.get(tenantId, listId))) return undefined;
    const rows = await this.#db.query<ContactRow & { member_seq: number }>(
      `SELECT ${CONTACT_COLUMNS}, m.seq AS member_seq FROM list_members m JOIN contacts c ON c.id = m.contact_id AND c.tenant_id = m.tenant_id
       WHERE m.tenant_id = $1 AND m.list_id = $2 AND ($3::bigint IS NULL OR m.seq < $3) ORDER BY m.seq DESC LIMIT $4`,
      [tenantId, listId, page.beforeSeq ?? null, page.limit],
    );
    const contacts = await withExternalIds(this.#db, tenantId, rows);
    return contacts.map((contact, index) => ({ ...contact, seq: rows[index]!.member_seq }));
  }

  /** Every member's contact id, in the order they were added (a campaign's audience); undefined when the list is not the tenant's. */
  async memberIds(tenantId: string, listId: string): Promise<string[] | undefined> {
    if (!(await this.get(tenantId, listId))) return undefined;
    const rows = await this.#db.query<{ contact_id: string }>('SELECT contact_id FROM list_members WHERE tenant_id = $1 AND list_id = $2 ORDER BY seq', [tenantId, listId]);
    return rows.map((row) => row.contact_id);
  }

  /** True when the contact is a member of the list (both the tenant's). */
  async isMember(tenantId: string, listId: string, contactId: string): Promise<boolean> {
    const rows = await this.#db.query('SELECT 1 FROM list_members WHERE tenant_id = $1 AND list_id = $2 AND contact_id = $3', [tenantId, listId, contactId]);
    return rows.length === 1;
  }

  /** The lists a contact belongs to, by name. */
  async listsOf(tenantId: string, contactId: string): Promise<ContactList[]> {
    const rows = await this.#db.query<ListRow>(
      `SELECT ${LIST_COLUMNS} FROM contact_lists l JOIN list_members lm ON lm.list_id = l.id AND lm.tenant_id = l.tenant_id
       WHERE l.tenant_id = $1 AND lm.contact_id = $2 ORDER BY l.name, l.id`,
      [tenantId, contactId],
    );
    return rows.map(toList);
  }

  async #bothExist(tenantId: string, listId: string, contactId: string): Promise<boolean> {
    const [row] = await this.#db.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM contact_lists WHERE tenant_id = $1 AND id = $2) AND EXISTS (SELECT 1 FROM contacts WHERE tenant_id = $1 AND id = $3) AS ok`,
      [tenantId, listId, contactId],
    );
    return row?.ok === true;
  }
}
