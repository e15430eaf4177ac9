/**
 * The connectors' inbox: every verified inbound request is stored before it is acknowledged, then
 * processed by a job. External systems may never send a request again (WooCommerce does not retry
 * and disables a webhook after 5 failures), so the answer must be fast and must mean "kept": the
 * route does one insert and one enqueue; the job does the rest (memory, contacts, events).
 *
 * Processing is safe to repeat (jobs run at least once): the handler's outcome is stored in the same
 * transaction as the memory it changed, so a crash after it replays the stored outcome instead of
 * recomputing it against memory that already moved on; events are deduplicated by the bus; timers
 * by job id. A sweeper re-enqueues entries whose job was lost between insert and enqueue.
 */
import { checkEventData } from '../bus/catalog/index.ts';
import { ContactInputError } from '../contacts/errors.ts';
import type { ContactInput } from '../contacts/schemas.ts';
import { toStorableBody } from '../gateway/storable-text.ts';
import { newId } from '../ids.ts';
import type { JsonValue } from '../queue/job-queue.ts';
import type { Db } from '../store/db.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { TIMER_KIND, type EventDraft, type Fetched, type InboundDelivery, type Installation, type JsonObject, type Outcome, type TimerRef } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { mergePatch } from './installation-patch.ts';
import { getInstallation } from './installation-store.ts';
import { contextFor } from './lifecycle.ts';
import { ReauthorizationRequiredError } from './oauth/errors.ts';
import { resourceMemory } from './memory.ts';

export const INBOUND_JOB = 'connectors.inbound';
export const TIMER_JOB = 'connectors.timer';
/** Tries of one inbox entry; then it is marked failed with the last error (the raw request stays). */
export const INBOUND_ATTEMPTS = 8;
const SWEEP_GRACE_SECONDS = 15;
/** Inbox entries (raw requests with personal data) are kept this long after processing. */
export const INBOX_RETENTION_DAYS = 14;

type InboundJob = { inboxId: string };
type TimerJob = { installationId: string; tenantId: string; key: string; rev: string };

export type InboxStatus = 'pending' | 'processed' | 'ignored' | 'failed';

export interface PublishedEvent {
  id: string;
  type: string;
  duplicate: boolean;
}

type InboxRow = {
  id: string;
  tenant_id: string;
  installation_id: string;
  kind: string;
  dedupe_key: string;
  headers: Record<string, string>;
  body: string;
  received_at: Date;
  status: InboxStatus;
  outcome: Outcome | null;
  note: string | null;
  published: PublishedEvent[] | null;
  processed_at: Date | null;
  /** `{ data }` once the connector's fetch step ran (`{}`: it had nothing to read). */
  fetched: { data?: JsonValue } | null;
};

export interface InboxEntry {
  id: string;
  kind: string;
  receivedAt: Date;
  status: InboxStatus;
  note: string | null;
  events: PublishedEvent[];
  processedAt: Date | null;
}

const timerJobId = (installationId: string, timer: TimerRef) => `connectors.timer.${installationId}.${timer.key}.${timer.rev}`;

async function enqueue(deps: Pick<ConnectorDeps, 'queue'>, inboxId: string): Promise<void> {
  await deps.queue.add(INBOUND_JOB, { inboxId }, { jobId: `connectors.inbound.${inboxId}`, attempts: INBOUND_ATTEMPTS, backoff: { type: 'exponential', delayMs: 1000 } });
}

type InboxInsert = { id: string; tenantId: string; installationId: string; kind: string; dedupeKey: string; headers: Record<string, string>; body: string };

/** Inserts a batch; per item, the stored id and whether it was there already (by installation and dedupe key). */
async function insertInbox(db: Db, items: InboxInsert[]): Promise<{ id: string; duplicate: boolean }[]> {
  const rows = items.map((item) => ({ id: item.id, tenant_id: item.tenantId, installation_id: item.installationId, kind: item.kind, dedupe_key: item.dedupeKey, headers: item.headers, body: item.body }));
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO connector_inbox (id, tenant_id, installation_id, kind, dedupe_key, headers, body, status)
     SELECT id, tenant_id, installation_id, kind, dedupe_key, headers, body, 'pending'
     FROM jsonb_to_recordset($1::jsonb) AS r(id text, tenant_id text, installation_id text, kind text, dedupe_key text, headers jsonb, body text)
     ON CONFLICT (installation_id, dedupe_key) DO NOTHING RETURNING id`,
    [JSON.stringify(rows)],
  );
  const fresh = new Set(inserted.map((row) => row.id));
  const missing = items.filter((item) => !fresh.has(item.id));
  const existing = new Map<string, string>();
  if (missing.length > 0) {
    const found = await db.query<{ id: string; installation_id: string; dedupe_key: string }>(
      `SELECT i.id, i.installation_id, i.dedupe_key FROM connector_inbox i
       JOIN jsonb_to_recordset($1::jsonb) AS k(installation_id text, dedupe_key text) ON i.installation_id = k.installation_id AND i.dedupe_key = k.dedupe_key`,
      [JSON.stringify(missing.map((item) => ({ installation_id: item.installationId, dedupe_key: item.dedupeKey })))],
    );
    for (const row of found) existing.set(`${row.installation_id} ${row.dedupe_key}`, row.id);
  }
  // Two copies of one request in the same batch: the first is stored, the second answers its id.
  const firstOfKey = new Map<string, string>();
  return items.map((item) => {
    const key = `${item.installationId} ${item.dedupeKey}`;
    if (fresh.has(item.id) && !firstOfKey.has(key)) {
      firstOfKey.set(key, item.id);
      return { id: item.id, duplicate: false };
    }
    return { id: existing.get(key) ?? firstOfKey.get(key) ?? item.id, duplicate: true };
  });
}

/** Concurrent requests share one INSERT (group commit, as the bus does for events): a burst costs a few statements. */
const writers = new WeakMap<Db, GroupCommit<InboxInsert, { id: string; duplicate: boolean }>>();

/** Stores a verified request (once per dedupe key) and queues its processing. */
export async function receive(
  deps: Pick<ConnectorDeps, 'db' | 'queue'>,
  installation: Pick<Installation, 'id' | 'tenantId'>,
  request: { kind: string; dedupeKey: string; headers: Record<string, string>; body: string },
): Promise<{ id: string; duplicate: boolean }> {
  let writer = writers.get(deps.db);
  if (!writer) {
    writer = new GroupCommit((items) => insertInbox(deps.db, items), 200);
    writers.set(deps.db, writer);
  }
  // The sender signed this body and may never send it again: what PostgreSQL cannot store (NUL, lone
  // surrogates, also as JSON escapes) is dropped here rather than failing the insert or every try of the job.
  const result = await writer.push({ id: newId('inb'), tenantId: installation.tenantId, installationId: installation.id, ...request, body: toStorableBody(request.body) });
  if (!result.duplicate) await enqueue(deps, result.id);
  return result;
}

/** Upserts the event's contact; an identifier the contacts part refuses (a malformed phone) is dropped, not fatal. */
async function upsertSubject(deps: ConnectorDeps, tenantId: string, source: string, contact: ContactInput, notes: string[]): Promise<string | undefined> {
  let input: ContactInput = contact;
  for (let tries = 0; tries < 3; tries++) {
    try {
      return (await deps.contacts.upsertContact(tenantId, input, source)).contact.id;
    } catch (error) {
      if (!(error instanceof ContactInputError)) throw error;
      const fields = new Set(error.issues.map((issue) => issue.path.split('.')[0] ?? ''));
      notes.push(`contact: ${error.message}`);
      const next: Record<string, unknown> = { ...input };
      for (const field of fields) delete next[field];
      // Nothing left to drop, or nothing left to identify the person: publish without a contact.
      if (fields.has('') || Object.keys(next).length === Object.keys(input).length) return undefined;
      if (next.phone === undefined && next.email === undefined && Object.keys((next.externalIds as object | undefined) ?? {}).length === 0) return undefined;
      input = next as ContactInput;
    }
  }
  return undefined;
}

async function publishDrafts(deps: ConnectorDeps, installation: Installation, drafts: EventDraft[], notes: string[]): Promise<PublishedEvent[]> {
  const published: PublishedEvent[] = [];
  const contactIds = new Map<string, string | undefined>();
  for (const draft of drafts) {
    const checked = checkEventData(draft.type, draft.data);
    if (!checked.ok) {
      // A mapping bug, not the sender's fault: keep the other events, say which one was not published.
      notes.push(`${draft.type} not published: ${checked.problem} (${checked.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')})`);
      continue;
    }
    let contactId: string | undefined;
    if (draft.contact) {
      const cacheKey = JSON.stringify(draft.contact);
      if (!contactIds.has(cacheKey)) contactIds.set(cacheKey, await upsertSubject(deps, installation.tenantId, installation.connector, draft.contact, notes));
      contactId = contactIds.get(cacheKey);
    }
    const subject = { ...draft.subject, ...(contactId === undefined ? {} : { contactId }) };
    const result = await deps.bus.publish({
      tenantId: installation.tenantId,
      source: installation.connector,
      type: draft.type,
      // Two shops of one tenant both have an order 727: the installation id keeps their keys apart.
      dedupeKey: `${installation.id}/${draft.key}`,
      occurredAt: draft.occurredAt === undefined ? undefined : new Date(draft.occurredAt),
      subject,
      data: checked.data,
    });
    // The shop sent a phone that is no number: the event is kept without it (src/bus/subject-phone.ts), and the inbox says so.
    for (const issue of result.dropped ?? []) notes.push(`${draft.type}: ${issue.path} left out: ${issue.message}`);
    published.push({ id: result.id, type: draft.type, duplicate: result.duplicate });
  }
  return published;
}

async function applyTimers(deps: ConnectorDeps, installation: Installation, outcome: Outcome): Promise<void> {
  for (const timer of outcome.timers?.cancel ?? []) await deps.queue.cancel(timerJobId(installation.id, timer));
  for (const timer of outcome.timers?.set ?? []) {
    const data: TimerJob = { installationId: installation.id, tenantId: installation.tenantId, key: timer.key, rev: timer.rev };
    await deps.queue.add(TIMER_JOB, data, { jobId: timerJobId(installation.id, timer), delayMs: Math.max(0, Math.round(timer.delayMs)), attempts: 5, backoff: { type: 'exponential', delayMs: 1000 } });
  }
}

async function finish(deps: ConnectorDeps, id: string, values: { status: InboxStatus; note: string | null; published: PublishedEvent[] | null; attempts: number }): Promise<void> {
  await deps.db.query(`UPDATE connector_inbox SET status = $2, note = $3, published = $4::jsonb, attempts = $5, processed_at = now() WHERE id = $1`, [
    id,
    values.status,
    values.note,
    values.published === null ? null : JSON.stringify(values.published),
    values.attempts,
  ]);
}

/** Processes one inbox entry: the connector's handler, then timers, contacts and events. */
export async function processInbound(deps: ConnectorDeps, inboxId: string, attempt: number): Promise<void> {
  const [row] = await deps.db.query<InboxRow>('SELECT * FROM connector_inbox WHERE id = $1', [inboxId]);
  if (!row || row.status !== 'pending') return;
  const installation = await getInstallation(deps.db, row.tenant_id, row.installation_id);
  const connector = installation && deps.registry.get(installation.connector);
  if (!installation || !connector) {
    await finish(deps, inboxId, { status: 'failed', note: `no connector "${installation?.connector ?? '?'}" in this hub version`, published: null, attempts: attempt });
    return;
  }
  if (installation.status === 'uninstalled') {
    await finish(deps, inboxId, { status: 'ignored', note: 'the installation was uninstalled before this was processed', published: null, attempts: attempt });
    return;
  }
  // The grant was revoked: the entry waits, pending, for the admin to reconnect (the sweeper skips it until then).
  if (installation.status === 'reauthorize') return;
  const log = deps.log.child({ connector: installation.connector, installationId: installation.id, inboxId });
  try {
    let outcome = row.outcome;
    let fetched = row.fetched;
    if (outcome === null && fetched === null && connector.fetch) {
      // Outside any transaction: the external API may be slow, and no database connection waits for it.
      const delivery: InboundDelivery = { id: row.id, kind: row.kind, headers: row.headers, body: row.body, receivedAt: row.received_at };
      let result;
      try {
        result = await connector.fetch(delivery, contextFor(deps, connector, installation));
      } catch (error) {
        if (error instanceof ReauthorizationRequiredError) return;
        throw error;
      }
      fetched = await storeFetched(deps, installation, inboxId, result);
    }
    if (outcome === null) {
      const settings = connector.manifest.settings.parse(installation.settings);
      outcome = await deps.db.transaction(async (tx) => {
        // Concurrent runs of one entry (a stalled job picked up again) wait here and reuse the first outcome.
        const [locked] = await tx.query<{ outcome: Outcome | null }>('SELECT outcome FROM connector_inbox WHERE id = $1 FOR UPDATE', [inboxId]);
        if (locked?.outcome) return locked.outcome;
        const delivery: InboundDelivery = {
          id: row.id,
          kind: row.kind,
          headers: row.headers,
          body: row.body,
          receivedAt: row.received_at,
          ...(fetched?.data === undefined ? {} : { fetched: fetched.data }),
        };
        const result = await connector.handle(delivery, { installation, settings, memory: resourceMemory(tx, installation.tenantId, installation.id), now: deps.clock(), log });
        await tx.query('UPDATE connector_inbox SET outcome = $2::jsonb WHERE id = $1', [inboxId, JSON.stringify(result)]);
        return result;
      });
    }
    await applyTimers(deps, installation, outcome);
    const notes = outcome.note === undefined ? [] : [outcome.note];
    const published = await publishDrafts(deps, installation, outcome.events, notes);
    await finish(deps, inboxId, { status: outcome.status, note: notes.length > 0 ? notes.join('; ').slice(0, 2000) : null, published, attempts: attempt });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (attempt >= INBOUND_ATTEMPTS) {
      log.error({ err: error }, 'inbound request failed for good; the raw request is kept in the inbox');
      await finish(deps, inboxId, { status: 'failed', note: message.slice(0, 2000), published: null, attempts: attempt });
      return;
    }
    await deps.db.query('UPDATE connector_inbox SET attempts = $2, note = $3 WHERE id = $1', [inboxId, attempt, `attempt ${attempt} failed: ${message}`.slice(0, 2000)]);
    throw error;
  }
}

/**
 * Stores what the fetch step read on the entry, and its state patch on the installation, in one transaction: a
 * cursor never moves past what is not kept. A concurrent run that stored first wins (its data is used).
 */
async function storeFetched(deps: ConnectorDeps, installation: Installation, inboxId: string, result: Fetched | undefined): Promise<{ data?: JsonValue }> {
  const envelope: { data?: JsonValue } = result === undefined ? {} : { data: result.data };
  return deps.db.transaction(async (tx) => {
    const [stored] = await tx.query<{ fetched: { data?: JsonValue } }>('UPDATE connector_inbox SET fetched = $2::jsonb WHERE id = $1 AND fetched IS NULL RETURNING fetched', [inboxId, JSON.stringify(envelope)]);
    if (!stored) {
      const [first] = await tx.query<{ fetched: { data?: JsonValue } | null }>('SELECT fetched FROM connector_inbox WHERE id = $1', [inboxId]);
      return first?.fetched ?? envelope;
    }
    if (result?.state !== undefined) {
      const [row] = await tx.query<{ state: JsonObject }>('SELECT state FROM connector_installations WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [installation.tenantId, installation.id]);
      await tx.query('UPDATE connector_installations SET state = $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND id = $2', [
        installation.tenantId,
        installation.id,
        JSON.stringify(mergePatch(row?.state ?? {}, result.state)),
      ]);
    }
    return envelope;
  });
}

/** A timer fired: it becomes an inbox entry of kind `timer`, processed like any inbound request. */
async function fireTimer(deps: ConnectorDeps, job: TimerJob): Promise<void> {
  const body: JsonValue = { key: job.key, rev: job.rev };
  await receive(deps, { id: job.installationId, tenantId: job.tenantId }, { kind: TIMER_KIND, dedupeKey: `timer:${job.key}:${job.rev}`, headers: {}, body: JSON.stringify(body) });
}

export function startInboxWorkers(deps: ConnectorDeps, options: { concurrency?: number } = {}): void {
  // PGlite runs one statement at a time: more concurrent handlers would only queue ahead of the
  // receivers' inserts and slow down the answers WooCommerce waits for.
  const embedded = (deps.db as { kind?: string }).kind === 'embedded';
  deps.queue.process<InboundJob>(INBOUND_JOB, (job) => processInbound(deps, job.data.inboxId, job.attempt), { concurrency: options.concurrency ?? (embedded ? 2 : 8) });
  deps.queue.process<TimerJob>(TIMER_JOB, (job) => fireTimer(deps, job.data), { concurrency: 4 });
}

/** Re-enqueues entries whose job was lost (crash between insert and enqueue) and forgets old processed ones. */
export async function sweepInbox(deps: ConnectorDeps): Promise<{ requeued: number; purged: number }> {
  // Entries of an installation waiting for reauthorization stay pending until it is reconnected.
  const lost = await deps.db.query<{ id: string }>(
    `SELECT i.id FROM connector_inbox i JOIN connector_installations c ON c.id = i.installation_id
     WHERE i.status = 'pending' AND i.received_at < now() - make_interval(secs => $1) AND c.status <> 'reauthorize' ORDER BY i.received_at LIMIT 500`,
    [SWEEP_GRACE_SECONDS],
  );
  for (const { id } of lost) await enqueue(deps, id);
  const purged = await deps.db.query(`DELETE FROM connector_inbox WHERE status <> 'pending' AND processed_at < now() - make_interval(days => $1) RETURNING id`, [INBOX_RETENTION_DAYS]);
  return { requeued: lost.length, purged: purged.length };
}

/** Re-enqueues an installation's pending entries now (it was reconnected: they waited for it). */
export async function requeuePending(deps: ConnectorDeps, tenantId: string, installationId: string): Promise<number> {
  const pending = await deps.db.query<{ id: string }>(`SELECT id FROM connector_inbox WHERE tenant_id = $1 AND installation_id = $2 AND status = 'pending' ORDER BY seq LIMIT 5000`, [tenantId, installationId]);
  for (const { id } of pending) await enqueue(deps, id);
  return pending.length;
}

/** The installation's latest inbox entries, newest first (its status page). */
export async function recentInbox(deps: Pick<ConnectorDeps, 'db'>, tenantId: string, installationId: string, limit = 20): Promise<InboxEntry[]> {
  const rows = await deps.db.query<InboxRow>(
    `SELECT id, kind, received_at, status, note, published, processed_at FROM connector_inbox WHERE tenant_id = $1 AND installation_id = $2 ORDER BY seq DESC LIMIT $3`,
    [tenantId, installationId, limit],
  );
  return rows.map((row) => ({ id: row.id, kind: row.kind, receivedAt: row.received_at, status: row.status, note: row.note, events: row.published ?? [], processedAt: row.processed_at }));
}
