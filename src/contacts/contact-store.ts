import type { Sql } from '../store/db.ts';
import type { JsonValue } from './schemas.ts';

/** A contact as the rest of the hub sees it. */
export interface Contact {
  id: string;
  phone: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  locale: string | null;
  timeZone: string;
  attributes: Record<string, JsonValue>;
  /** The contact's id per external system: `{ woocommerce: "5501" }`. */
  externalIds: Record<string, string>;
  /** The system that created it. */
  source: string;
  createdAt: Date;
  updatedAt: Date;
}

export type ContactRow = {
  id: string;
  seq: number;
  tenant_id: string;
  phone: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  locale: string | null;
  time_zone: string;
  attributes: Record<string, JsonValue>;
  source: string;
  created_at: Date;
  updated_at: Date;
};

export const CONTACT_COLUMNS = 'c.id, c.seq, c.tenant_id, c.phone, c.email, c.first_name, c.last_name, c.locale, c.time_zone, c.attributes, c.source, c.created_at, c.updated_at';

export function toContact(row: ContactRow, externalIds: Record<string, string> = {}): Contact {
  return {
    id: row.id,
    phone: row.phone,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    locale: row.locale,
    timeZone: row.time_zone,
    attributes: row.attributes,
    externalIds,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** External ids of several contacts in one query: contact id → source → id. */
export async function externalIdsOf(sql: Sql, tenantId: string, contactIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  if (contactIds.length === 0) return result;
  const rows = await sql.query<{ contact_id: string; source: string; external_id: string }>(
    'SELECT contact_id, source, external_id FROM contact_external_ids WHERE tenant_id = $1 AND contact_id = ANY($2::text[]) ORDER BY source',
    [tenantId, contactIds],
  );
  for (const row of rows) {
    const ids = result.get(row.contact_id) ?? {};
    ids[row.source] = row.external_id;
    result.set(row.contact_id, ids);
  }
  return result;
}

/** Rows → contacts with their external ids, order kept. */
export async function withExternalIds(sql: Sql, tenantId: string, rows: readonly ContactRow[]): Promise<(Contact & { seq: number })[]> {
  const ids = await externalIdsOf(sql, tenantId, rows.map((row) => row.id));
  return rows.map((row) => ({ ...toContact(row, ids.get(row.id) ?? {}), seq: row.seq }));
}

/** The tenant's contacts whose `field` is one of `values` (ids, E.164 phones or lower-cased emails), in one query. */
export async function contactsBy(sql: Sql, tenantId: string, field: 'id' | 'phone' | 'email', values: readonly string[]): Promise<(Contact & { seq: number })[]> {
  if (values.length === 0) return [];
  const rows = await sql.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE c.tenant_id = $1 AND c.${field} = ANY($2::text[])`, [tenantId, values]);
  return withExternalIds(sql, tenantId, rows);
}

export async function contactRow(sql: Sql, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<ContactRow | undefined> {
  const [row] = await sql.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE c.tenant_id = $1 AND c.id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`, [tenantId, id]);
  return row;
}

export async function contactIdBy(sql: Sql, tenantId: string, field: 'phone' | 'email', value: string): Promise<string | undefined> {
  const [row] = await sql.query<{ id: string }>(`SELECT id FROM contacts WHERE tenant_id = $1 AND ${field} = $2`, [tenantId, value]);
  return row?.id;
}

export async function contactIdByExternalId(sql: Sql, tenantId: string, source: string, externalId: string): Promise<string | undefined> {
  const [row] = await sql.query<{ contact_id: string }>('SELECT contact_id FROM contact_external_ids WHERE tenant_id = $1 AND source = $2 AND external_id = $3', [
    tenantId,
    source,
    externalId,
  ]);
  return row?.contact_id;
}
