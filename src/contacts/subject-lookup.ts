/**
 * Which existing contacts a batch of event subjects name, in one query: by id, else phone (E.164, as
 * the bus normalized it), else email (lower case). For parts that record many events at once (the
 * purchase ledger, segment activity); a subject it does not find goes through `resolveSubject`, which
 * may create the contact.
 */
import type { EventSubject } from '../bus/trigger-event.ts';
import type { Sql } from '../store/db.ts';
import { CONTACTS_READ_MODEL } from './read-model.ts';

type Key = 'id' | 'phone' | 'email';

const keysOf = (subject: EventSubject): [Key, string | undefined][] => [
  ['id', subject.contactId],
  ['phone', subject.phone],
  ['email', subject.email?.trim().toLowerCase()],
];

/** One contact id (or undefined) per item, in order. */
export async function knownContactIds(db: Sql, items: readonly { tenantId: string; subject: EventSubject }[]): Promise<(string | undefined)[]> {
  const tenants: string[] = [];
  const keys: Key[] = [];
  const values: string[] = [];
  for (const { tenantId, subject } of items) {
    for (const [key, value] of keysOf(subject)) {
      if (value === undefined || value === '') continue;
      tenants.push(tenantId);
      keys.push(key);
      values.push(value);
    }
  }
  if (tenants.length === 0) return items.map(() => undefined);
  const rows = await db.query<{ tenant_id: string; key: Key; value: string; id: string }>(
    `SELECT k.tenant_id, k.key, k.value, c.id FROM unnest($1::text[], $2::text[], $3::text[]) AS k(tenant_id, key, value)
     JOIN ${CONTACTS_READ_MODEL} c ON c.tenant_id = k.tenant_id AND (CASE k.key WHEN 'id' THEN c.id = k.value WHEN 'phone' THEN c.phone = k.value ELSE c.email = k.value END)`,
    [tenants, keys, values],
  );
  const found = new Map(rows.map((row) => [`${row.tenant_id}\u0000${row.key}\u0000${row.value}`, row.id]));
  return items.map(({ tenantId, subject }) => {
    for (const [key, value] of keysOf(subject)) {
      const id = value === undefined ? undefined : found.get(`${tenantId}\u0000${key}\u0000${value}`);
      if (id !== undefined) return id;
    }
    return undefined;
  });
}
