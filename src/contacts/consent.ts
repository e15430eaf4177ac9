import type { Sql } from '../store/db.ts';
import type { Channel, ConsentStatus } from './schemas.ts';

/**
 * Consent per contact and channel, as an append-only ledger: every grant and withdrawal is a row,
 * never updated. The current status is the row with the latest `at` (then the latest recorded), so a
 * record that arrives late with an older date (a CRM sync replaying last week's checkbox) is kept
 * in the history but does not override a newer STOP. No row means unknown: never recorded.
 */
export interface ConsentRecord {
  channel: Channel;
  status: ConsentStatus;
  at: Date;
  source: string;
  proof: string | null;
  recordedAt: Date;
}

export interface NewConsent {
  status: ConsentStatus;
  at?: Date;
  source: string;
  proof?: string | null;
}

/** The consent rule's order, newest first: by `at`, then by record (`seq`); the first row per contact and channel is current. */
export function latestConsentFirst(alias?: string): string {
  const column = (name: string) => (alias === undefined ? name : `${alias}.${name}`);
  return `${column('at')} DESC, ${column('seq')} DESC`;
}

type ConsentRow = { contact_id: string; channel: Channel; status: ConsentStatus; at: Date; source: string; proof: string | null; recorded_at: Date };

const toRecord = (row: ConsentRow): ConsentRecord => ({
  channel: row.channel,
  status: row.status,
  at: row.at,
  source: row.source,
  proof: row.proof,
  recordedAt: row.recorded_at,
});

/** Appends a record for a contact of the tenant; false when the contact is not the tenant's. */
export async function recordConsent(sql: Sql, tenantId: string, contactId: string, channel: Channel, consent: NewConsent): Promise<boolean> {
  const rows = await sql.query<{ seq: number }>(
    `INSERT INTO contact_consents (tenant_id, contact_id, channel, status, at, source, proof)
     SELECT $1, id, $3, $4, $5, $6, $7 FROM contacts WHERE id = $2 AND tenant_id = $1
     RETURNING seq`,
    [tenantId, contactId, channel, consent.status, consent.at ?? new Date(), consent.source, consent.proof ?? null],
  );
  return rows.length === 1;
}

/** The current consent of one contact on one channel (one indexed query; the sending core calls it per message). */
export async function currentConsent(sql: Sql, tenantId: string, contactId: string, channel: Channel): Promise<ConsentRecord | undefined> {
  const [row] = await sql.query<ConsentRow>(
    `SELECT contact_id, channel, status, at, source, proof, recorded_at FROM contact_consents
     WHERE tenant_id = $1 AND contact_id = $2 AND channel = $3 ORDER BY ${latestConsentFirst()} LIMIT 1`,
    [tenantId, contactId, channel],
  );
  return row && toRecord(row);
}

/** Current consent of several contacts (on every channel, or only `channel`), in one query: contact id → channel → record. */
export async function currentConsents(sql: Sql, tenantId: string, contactIds: readonly string[], channel?: Channel): Promise<Map<string, Partial<Record<Channel, ConsentRecord>>>> {
  const result = new Map<string, Partial<Record<Channel, ConsentRecord>>>();
  if (contactIds.length === 0) return result;
  const rows = await sql.query<ConsentRow>(
    `SELECT DISTINCT ON (contact_id, channel) contact_id, channel, status, at, source, proof, recorded_at FROM contact_consents
     WHERE tenant_id = $1 AND contact_id = ANY($2::text[]) AND ($3::text IS NULL OR channel = $3) ORDER BY contact_id, channel, ${latestConsentFirst()}`,
    [tenantId, contactIds, channel ?? null],
  );
  for (const row of rows) {
    const byChannel = result.get(row.contact_id) ?? {};
    byChannel[row.channel] = toRecord(row);
    result.set(row.contact_id, byChannel);
  }
  return result;
}

/** Every record of a contact, newest first (by `at`). */
export async function consentHistory(sql: Sql, tenantId: string, contactId: string, channel?: Channel): Promise<ConsentRecord[]> {
  const rows = await sql.query<ConsentRow>(
    `SELECT contact_id, channel, status, at, source, proof, recorded_at FROM contact_consents
     WHERE tenant_id = $1 AND contact_id = $2 AND ($3::text IS NULL OR channel = $3) ORDER BY ${latestConsentFirst()}`,
    [tenantId, contactId, channel ?? null],
  );
  return rows.map(toRecord);
}
