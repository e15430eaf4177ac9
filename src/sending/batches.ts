/**
 * The submit step's statements, shared by every run in flight (group commit, src/store/group-commit.ts).
 *
 * Each `sending.submit` job still handles one message, with the same checks in the same order
 * (submit.ts); what changes is that its reads and writes join those of the other runs waiting at the
 * same step: a batch of messages is loaded, checked against opt-outs and consent, claimed and
 * recorded as submitted in one statement (or one transaction) each, instead of one per message. A
 * campaign then drains at the provider's pace: PGlite runs one statement at a time at ~0.5 ms, and
 * a delivered SMS cost about 30 of them.
 *
 * Every write is one statement or its own transaction, so a batch commits or fails as a whole (and
 * GroupCommit's halving isolates a row the database refuses). On PostgreSQL, two batches locking the
 * same messages in a different order (two workers, or a receipt batch) can deadlock: the database
 * aborts one, and it is run again (`retryConflicts`).
 */
import { consentsOf } from './recipients.ts';
import { contactsBy } from '../contacts/contact-store.ts';
import { activeOptOutsOf } from '../contacts/opt-outs.ts';
import type { Db, Sql } from '../store/db.ts';
import { GroupCommit } from '../store/group-commit.ts';
import type { ConsentStatus } from './compliance/index.ts';
import type { MessageChannel, MessageStatus } from './message.ts';
import { insertHistoryRows, toMessage, type MessageRow, type StoredMessage } from './message-store.ts';

/** Rows per statement: large enough to amortise a statement's cost, small enough to keep each under a few ms. */
const MAX_BATCH = 500;
/** How long a claim protects a submit; a provider call must end well within it. */
export const CLAIM_SECONDS = 60;
/** SQLSTATE deadlock_detected and serialization_failure: nothing was written, the same write may succeed. */
const CONFLICTS = new Set(['40P01', '40001']);

export const messageKey = (tenantId: string, id: string): string => `${tenantId}\u0000${id}`;

/** Runs `write` again (up to 5 times) when the database aborted it for a lock conflict with another transaction. */
export async function retryConflicts<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
      if (attempt >= 5 || typeof code !== 'string' || !CONFLICTS.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 5 + Math.random() * 20));
    }
  }
}

/** What compliance needs to judge a marketing message again at submit time. */
export interface ComplianceFacts {
  optedOut: boolean;
  consent: ConsentStatus;
  /** The contact's own time zone, when it has one. */
  timeZone: string | undefined;
}

type MessageRef = { tenantId: string; id: string };
type Claim = MessageRef & { providerKind: string };
type FactsQuery = { tenantId: string; channel: MessageChannel; address: string; contactId: string | null };
export type SubmittedRecord = MessageRef & { channel: MessageChannel; providerMessageIds: string[]; at: Date };
type NotifiedMark = MessageRef & { status: MessageStatus };

export class SendingBatches {
  readonly #loads: GroupCommit<MessageRef, StoredMessage | undefined>;
  readonly #facts: GroupCommit<FactsQuery, ComplianceFacts>;
  readonly #claims: GroupCommit<Claim, number | undefined>;
  readonly #submitted: GroupCommit<SubmittedRecord>;
  readonly #notified: GroupCommit<NotifiedMark>;

  /** `concurrency`: batches of one kind in flight at once (1 on PGlite, which runs one statement at a time). */
  constructor(db: Db, options: { concurrency?: number } = {}) {
    const concurrency = { concurrency: options.concurrency ?? 1 };
    this.#loads = new GroupCommit((refs) => loadMessages(db, refs), MAX_BATCH, concurrency);
    this.#facts = new GroupCommit((queries) => complianceFacts(db, queries), MAX_BATCH, concurrency);
    this.#claims = new GroupCommit((claims) => retryConflicts(() => claimMessages(db, claims)), MAX_BATCH, concurrency);
    this.#submitted = new GroupCommit((records) => retryConflicts(() => recordSubmitted(db, records)), MAX_BATCH, concurrency);
    this.#notified = new GroupCommit((marks) => retryConflicts(() => markNotified(db, marks)), MAX_BATCH, concurrency);
  }

  load(tenantId: string, id: string): Promise<StoredMessage | undefined> {
    return this.#loads.push({ tenantId, id });
  }

  complianceFacts(query: FactsQuery): Promise<ComplianceFacts> {
    return this.#facts.push(query);
  }

  /**
   * Takes the claim on a pending, unclaimed message: resolves with its attempt number, or undefined
   * when it is no longer pending or someone holds the claim (then this run must not submit it).
   */
  claim(tenantId: string, id: string, providerKind: string): Promise<number | undefined> {
    return this.#claims.push({ tenantId, id, providerKind });
  }

  /** Writes the provider's acceptance: status, parts (one per provider id) and history. */
  recordSubmitted(record: SubmittedRecord): Promise<void> {
    return this.#submitted.push(record);
  }

  /** Records that the event of `status` was published (only while the message is still in that status). */
  markNotified(tenantId: string, id: string, status: MessageStatus): Promise<void> {
    return this.#notified.push({ tenantId, id, status });
  }
}

async function loadMessages(db: Sql, refs: MessageRef[]): Promise<(StoredMessage | undefined)[]> {
  const rows = await db.query<MessageRow>(
    'SELECT m.* FROM messages m JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, id) ON m.id = k.id AND m.tenant_id = k.tenant_id',
    [refs.map((ref) => ref.tenantId), refs.map((ref) => ref.id)],
  );
  const byKey = new Map(rows.map((row) => [messageKey(row.tenant_id, row.id), toMessage(row)]));
  return refs.map((ref) => byKey.get(messageKey(ref.tenantId, ref.id)));
}

/** Per tenant and channel: the contacts' time zones, their consents and the opted-out addresses, one query each. */
async function complianceFacts(db: Sql, queries: FactsQuery[]): Promise<ComplianceFacts[]> {
  const groups = new Map<string, FactsQuery[]>();
  for (const query of queries) {
    const group = `${query.tenantId}\u0000${query.channel}`;
    groups.set(group, [...(groups.get(group) ?? []), query]);
  }
  const facts = new Map<FactsQuery, ComplianceFacts>();
  for (const group of groups.values()) {
    const { tenantId, channel } = group[0]!;
    const contactIds = [...new Set(group.map((query) => query.contactId).filter((id): id is string => id !== null))];
    const contacts = new Map((await contactsBy(db, tenantId, 'id', contactIds)).map((contact) => [contact.id, contact]));
    const consents = await consentsOf(db, tenantId, channel, [...contacts.keys()]);
    // As `OptOutList.isOptedOut`: emails compared in lower case.
    const addressOf = (query: FactsQuery) => (channel === 'email' ? query.address.trim().toLowerCase() : query.address);
    const addresses = [...new Set(group.map(addressOf))];
    const optedOut = await activeOptOutsOf(db, tenantId, channel === 'sms' ? { sms: addresses, email: [] } : { sms: [], email: addresses });
    for (const query of group) {
      const contact = query.contactId === null ? undefined : contacts.get(query.contactId);
      facts.set(query, {
        optedOut: optedOut.has(`${channel}:${addressOf(query)}`),
        consent: contact ? (consents.get(contact.id) ?? 'unknown') : 'unknown',
        timeZone: contact?.timeZone ?? undefined,
      });
    }
  }
  return queries.map((query) => facts.get(query)!);
}

/** One UPDATE for the batch; a message twice in the batch (a job and a sweeper's copy) is claimed by its first run only. */
async function claimMessages(db: Sql, claims: Claim[]): Promise<(number | undefined)[]> {
  const first = new Map<string, Claim>();
  for (const claim of claims) if (!first.has(messageKey(claim.tenantId, claim.id))) first.set(messageKey(claim.tenantId, claim.id), claim);
  const unique = [...first.values()];
  const rows = await db.query<{ tenant_id: string; id: string; attempts: number }>(
    `UPDATE messages m SET claimed_until = now() + make_interval(secs => $4), attempts = m.attempts + 1, provider_kind = c.provider_kind, updated_at = now()
     FROM unnest($1::text[], $2::text[], $3::text[]) AS c(tenant_id, id, provider_kind)
     WHERE m.id = c.id AND m.tenant_id = c.tenant_id AND m.status IN ('accepted', 'scheduled') AND (m.claimed_until IS NULL OR m.claimed_until < now())
     RETURNING m.tenant_id, m.id, m.attempts`,
    [unique.map((claim) => claim.tenantId), unique.map((claim) => claim.id), unique.map((claim) => claim.providerKind), CLAIM_SECONDS],
  );
  const attempts = new Map(rows.map((row) => [messageKey(row.tenant_id, row.id), row.attempts]));
  return claims.map((claim) => (first.get(messageKey(claim.tenantId, claim.id)) === claim ? attempts.get(messageKey(claim.tenantId, claim.id)) : undefined));
}

async function recordSubmitted(db: Db, records: SubmittedRecord[]): Promise<void[]> {
  await db.transaction(async (tx) => {
    await tx.query(
      `UPDATE messages m SET status = 'submitted', provider_message_ids = r.ids, submitted_at = r.at, claimed_until = NULL, schedule_reason = NULL, error = NULL, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, id text, ids text[], at timestamptz)
       WHERE m.id = r.id AND m.tenant_id = r.tenant_id`,
      [JSON.stringify(records.map((record) => ({ tenant_id: record.tenantId, id: record.id, ids: record.providerMessageIds, at: record.at })))],
    );
    const parts = records.flatMap((record) => record.providerMessageIds.map((providerMessageId, part) => ({ record, providerMessageId, part })));
    if (parts.length > 0) {
      await tx.query(
        `INSERT INTO message_parts (tenant_id, channel, provider_message_id, message_id, part)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) ON CONFLICT DO NOTHING`,
        [parts.map((p) => p.record.tenantId), parts.map((p) => p.record.channel), parts.map((p) => p.providerMessageId), parts.map((p) => p.record.id), parts.map((p) => p.part)],
      );
    }
    await insertHistoryRows(tx, records.map((record) => ({ tenantId: record.tenantId, messageId: record.id, status: 'submitted', reason: null, at: record.at })));
  });
  return records.map((): void => undefined);
}

async function markNotified(db: Sql, marks: NotifiedMark[]): Promise<void[]> {
  await db.query(
    `UPDATE messages m SET notified_status = n.status FROM unnest($1::text[], $2::text[], $3::text[]) AS n(tenant_id, id, status)
     WHERE m.id = n.id AND m.tenant_id = n.tenant_id AND m.status = n.status`,
    [marks.map((mark) => mark.tenantId), marks.map((mark) => mark.id), marks.map((mark) => mark.status)],
  );
  return marks.map((): void => undefined);
}
