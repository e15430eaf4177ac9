/**
 * A large audience written straight into a store, for the campaign benchmark and SIGKILL test:
 * `count` contacts with SMS consent granted, all members of one new list. Going through the API
 * would take minutes for 100,000 contacts and measure the contacts part, not the campaign.
 */
import { newId } from '../../src/ids.ts';
import type { Sql } from '../../src/store/db.ts';

/** Valid French mobiles (06 12 xx xx xx, up to 999,989 of them) that never end in 00000N, the sandbox's magic outcomes. */
export const audiencePhone = (index: number): string => `+33612${String(index + 10).padStart(6, '0')}`;

export async function seedAudience(db: Sql, tenantId: string, count: number, name = 'bench audience'): Promise<{ listId: string; phones: string[] }> {
  const listId = newId('lst');
  await db.query('INSERT INTO contact_lists (id, tenant_id, name) VALUES ($1, $2, $3)', [listId, tenantId, name]);
  const phones: string[] = [];
  for (let start = 0; start < count; start += 1_000) {
    const ids: string[] = [];
    const contacts: unknown[] = [tenantId];
    const rows: string[] = [];
    for (let index = start; index < Math.min(start + 1_000, count); index++) {
      const id = newId('con');
      const phone = audiencePhone(index + 1);
      ids.push(id);
      phones.push(phone);
      rows.push(`($${contacts.push(id)}, $1, $${contacts.push(phone)}, $${contacts.push(`Client${index}`)}, 'bench')`);
    }
    await db.query(`INSERT INTO contacts (id, tenant_id, phone, first_name, source) VALUES ${rows.join(', ')}`, contacts);
    await db.query(
      `INSERT INTO contact_consents (tenant_id, contact_id, channel, status, at, source) SELECT $1, id, 'sms', 'granted', now(), 'bench' FROM unnest($2::text[]) AS id`,
      [tenantId, ids],
    );
    await db.query(`INSERT INTO list_members (list_id, contact_id, tenant_id) SELECT $1, id, $2 FROM unnest($3::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n`, [listId, tenantId, ids]);
  }
  return { listId, phones };
}
