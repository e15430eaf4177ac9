/**
 * The writes of one contact upsert, inside the caller's transaction: find who holds each identifier,
 * lock the primary match, insert or update it, link external ids, record consent. What to do with
 * the matches is decided by the pure plan of upsert-plan.ts.
 */
import { newId } from '../ids.ts';
import type { Sql } from '../store/db.ts';
import { mergeAttributes } from './attributes.ts';
import { recordConsent } from './consent.ts';
import { contactRow, externalIdsOf, toContact, type Contact, type ContactRow } from './contact-store.ts';
import { StaleReadError } from './retry.ts';
import { DEFAULT_TIME_ZONE, type Channel, type ParsedContactInput } from './schemas.ts';
import { choosePrimary, planUpsert, type Identifier, type IdentifierMatch, type MatchedBy, type UpsertConflict } from './upsert-plan.ts';

export interface UpsertResult {
  contact: Contact;
  created: boolean;
  /** Which identifier found the existing contact; undefined when created. */
  matchedBy: MatchedBy | undefined;
  /** Identifiers of the input that were not applied because another contact holds them (never merged silently). */
  conflicts: UpsertConflict[];
}

/** The input once its phone is read in E.164 (the tenant's region for national numbers). */
export type NormalizedInput = Omit<ParsedContactInput, 'phone'> & { phone: string | undefined };

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function findMatches(tx: Sql, tenantId: string, identifiers: readonly Identifier[]): Promise<IdentifierMatch[]> {
  const phone = identifiers.find((identifier) => identifier.kind === 'phone')?.value ?? null;
  const email = identifiers.find((identifier) => identifier.kind === 'email')?.value ?? null;
  const external = identifiers.filter((identifier) => identifier.kind === 'externalId');
  const rows = await tx.query<{ kind: MatchedBy; source: string | null; contact_id: string }>(
    `SELECT 'phone' AS kind, NULL AS source, id AS contact_id FROM contacts WHERE tenant_id = $1 AND phone = $2
     UNION ALL SELECT 'email', NULL, id FROM contacts WHERE tenant_id = $1 AND email = $3
     UNION ALL SELECT 'externalId', x.source, x.contact_id FROM contact_external_ids x
       JOIN unnest($4::text[], $5::text[]) AS wanted(source, external_id) ON wanted.source = x.source AND wanted.external_id = x.external_id
       WHERE x.tenant_id = $1`,
    [tenantId, phone, email, external.map((identifier) => identifier.source), external.map((identifier) => identifier.value)],
  );
  return identifiers.map((identifier) => ({
    ...identifier,
    contactId: rows.find((row) => row.kind === identifier.kind && (identifier.kind !== 'externalId' || row.source === identifier.source))?.contact_id,
  }));
}

export async function upsertIn(tx: Sql, tenantId: string, input: NormalizedInput, source: string): Promise<UpsertResult> {
  const identifiers: Identifier[] = [
    ...Object.entries(input.externalIds ?? {}).map(([system, value]): Identifier => ({ kind: 'externalId', source: system, value })),
    ...(input.phone === undefined ? [] : [{ kind: 'phone', value: input.phone } as const]),
    ...(input.email === undefined ? [] : [{ kind: 'email', value: input.email } as const]),
  ];
  const matches = await findMatches(tx, tenantId, identifiers);
  const primaryMatch = choosePrimary(matches);
  let row: ContactRow | undefined;
  let primaryIds: Record<string, string> = {};
  if (primaryMatch) {
    row = await contactRow(tx, tenantId, primaryMatch.contactId!, { forUpdate: true });
    // Read before the lock: if the row moved on (erased, identifier changed), read everything again.
    if (!row) throw new StaleReadError('the matched contact');
    for (const match of matches) {
      if (match.contactId === row.id && (match.kind === 'phone' || match.kind === 'email') && row[match.kind] !== match.value) throw new StaleReadError(`contact ${row.id}`);
    }
    primaryIds = (await externalIdsOf(tx, tenantId, [row.id])).get(row.id) ?? {};
  }
  const plan = planUpsert(matches, row && { id: row.id, externalIds: primaryIds });
  const attributes = mergeAttributes(row?.attributes ?? {}, input.attributes);
  let id: string;
  let created = false;
  if (!row) {
    id = newId('con');
    created = true;
    await tx.query(
      `INSERT INTO contacts (id, tenant_id, phone, email, first_name, last_name, locale, time_zone, attributes, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        tenantId,
        plan.setPhone ? input.phone : null,
        plan.setEmail ? input.email : null,
        input.firstName ?? null,
        input.lastName ?? null,
        input.locale ?? null,
        input.timeZone ?? DEFAULT_TIME_ZONE,
        JSON.stringify(attributes),
        source,
      ],
    );
  } else {
    id = row.id;
    const next = {
      phone: plan.setPhone ? input.phone! : row.phone,
      email: plan.setEmail ? input.email! : row.email,
      first_name: input.firstName ?? row.first_name,
      last_name: input.lastName ?? row.last_name,
      locale: input.locale ?? row.locale,
      time_zone: input.timeZone ?? row.time_zone,
    };
    const changed =
      plan.linkExternalIds.length > 0 ||
      !sameJson(attributes, row.attributes) ||
      (Object.keys(next) as (keyof typeof next)[]).some((key) => next[key] !== row[key]);
    if (changed) {
      await tx.query(
        `UPDATE contacts SET phone = $3, email = $4, first_name = $5, last_name = $6, locale = $7, time_zone = $8, attributes = $9, updated_at = now()
         WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, next.phone, next.email, next.first_name, next.last_name, next.locale, next.time_zone, JSON.stringify(attributes)],
      );
    }
  }
  for (const link of plan.linkExternalIds) {
    await tx.query('INSERT INTO contact_external_ids (tenant_id, source, external_id, contact_id) VALUES ($1, $2, $3, $4)', [tenantId, link.source, link.value, id]);
  }
  for (const channel of ['sms', 'email'] as const satisfies readonly Channel[]) {
    const consent = input.consent?.[channel];
    if (consent) {
      await recordConsent(tx, tenantId, id, channel, {
        status: consent.status,
        at: consent.at === undefined ? undefined : new Date(consent.at),
        source: consent.source ?? source,
        proof: consent.proof,
      });
    }
  }
  const stored = await contactRow(tx, tenantId, id);
  const ids = await externalIdsOf(tx, tenantId, [id]);
  return { contact: toContact(stored!, ids.get(id) ?? {}), created, matchedBy: plan.matchedBy, conflicts: plan.conflicts };
}
