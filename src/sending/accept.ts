/**
 * The accept step: validate, render, check compliance and encode every message of a request, then
 * store them all in one transaction and enqueue their submit jobs. A batch is all or nothing: one
 * invalid item refuses the whole request with per-item errors and nothing is stored or queued.
 * Compliance outcomes are not errors: an opted-out recipient gives a stored `blocked` message.
 *
 * Idempotency: with a key, the request's hash and message ids are stored in the same transaction
 * as the messages. The same key answers the same messages (whatever their status now), never a
 * second send; a concurrent duplicate waits on the key's unique index and then answers the first
 * request's messages. The same key with a different request is refused.
 */
import { createHash } from 'node:crypto';
import { findEvent } from '../bus/event-store.ts';
import { newMessageId } from '../ids.ts';
import { isUniqueViolation } from '../store/db.ts';
import { SUBMIT_JOB, type SendingDeps, type SubmitJob } from './deps.ts';
import { insertReferences, type MessageReference } from './message-references.ts';
import { insertMessages, getMessages, type StoredMessage } from './message-store.ts';
import { notify } from './notify.ts';
import { prepareEmail, prepareSms, type Draft, type Prepared } from './prepare.ts';
import { resolveRecipients } from './recipients.ts';
import { IdempotencyKeyReusedError, SendInputError, type EmailItem, type FieldIssue, type SendRequest, type SmsItem } from './requests.ts';
import type { TemplateEvent } from './template-context.ts';
import { staggeredAt } from './throughput.ts';
import { unsubscribeUrl } from './unsubscribe/index.ts';

/** sendAt further ahead is refused: almost always a wrong year. */
const MAX_SEND_AHEAD_MS = 366 * 24 * 3_600_000;

export interface AcceptOptions {
  idempotencyKey?: string | undefined;
  /**
   * Per item, in order: ids another system knows the message by (the SMPP server's part ids),
   * stored with the message in the same transaction (src/sending/message-references.ts).
   */
  references?: readonly (readonly MessageReference[])[] | undefined;
  /** What sends ("campaign:<id>", "scenario:<id>"): stored on each message and its links, and the key of `originResults`. */
  origin?: string | undefined;
}

export interface AcceptResult {
  messages: StoredMessage[];
  /** True when the idempotency key had been used: these are the first request's messages. */
  replayed: boolean;
}

/** Same JSON whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(request: SendRequest): string {
  return createHash('sha256').update(canonical(request)).digest('base64url');
}

class Replay extends Error {}

async function replay(deps: SendingDeps, tenantId: string, key: string, hash: string): Promise<AcceptResult | undefined> {
  const [row] = await deps.db.query<{ request_hash: string; message_ids: string[] }>(
    'SELECT request_hash, message_ids FROM message_requests WHERE tenant_id = $1 AND idempotency_key = $2',
    [tenantId, key],
  );
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw new IdempotencyKeyReusedError(key);
  }
  return { messages: await getMessages(deps.db, tenantId, row.message_ids), replayed: true };
}

export async function loadEvents(deps: SendingDeps, tenantId: string, items: readonly Pick<SmsItem, 'eventId' | 'event'>[], issues: FieldIssue[][]): Promise<(TemplateEvent | undefined)[]> {
  const ids = [...new Set(items.map((item) => item.eventId).filter((id): id is string => id !== undefined))];
  const found = new Map<string, TemplateEvent>();
  for (const id of ids) {
    const event = await findEvent(deps.db, id, tenantId);
    if (event) found.set(id, { id: event.id, type: event.type, source: event.source, occurredAt: event.occurredAt, data: event.data });
  }
  return items.map((item, index) => {
    if (item.event) return { ...item.event };
    if (item.eventId === undefined) return undefined;
    const event = found.get(item.eventId);
    if (!event) issues[index]!.push({ path: 'eventId', message: `no event with id "${item.eventId}" in this tenant` });
    return event;
  });
}

export async function acceptMessages(deps: SendingDeps, tenantId: string, request: SendRequest, options: AcceptOptions = {}): Promise<AcceptResult> {
  const key = options.idempotencyKey;
  const hash = requestHash(request);
  if (key !== undefined) {
    const previous = await replay(deps, tenantId, key, hash);
    if (previous) return previous;
  }
  const items: readonly (SmsItem | EmailItem)[] = request.items;
  const settings = await deps.settings.get(tenantId);
  const linkBase = settings.shortLinkBase ?? deps.publicUrl;
  const issues: FieldIssue[][] = items.map(() => []);
  const { recipients, issues: recipientIssues } = await resolveRecipients(deps.db, tenantId, request.channel, items);
  for (const issue of recipientIssues) issues[issue.index]!.push({ path: issue.path, message: issue.message });
  const events = await loadEvents(deps, tenantId, items, issues);
  const now = deps.clock();
  const drafts: Draft[] = [];
  items.forEach((item, index) => {
    const recipient = recipients[index];
    if (!recipient || issues[index]!.length > 0) return;
    const sendAt = item.sendAt === undefined ? undefined : new Date(item.sendAt);
    if (sendAt && sendAt.getTime() - now.getTime() > MAX_SEND_AHEAD_MS) {
      issues[index]!.push({ path: 'sendAt', message: `${item.sendAt} is more than a year ahead` });
      return;
    }
    const base = sendAt && sendAt > now ? sendAt : now;
    const plannedAt = staggeredAt(base, index, items.length, request.stagger);
    const plannedReason = plannedAt > base ? 'stagger' : base > now ? 'send_at' : null;
    const id = newMessageId();
    const common = { id, recipient, event: events[index], settings, now, plannedAt, plannedReason, linkBase } as const;
    let prepared: Prepared;
    if (request.channel === 'sms') prepared = prepareSms({ ...common, item: item as SmsItem });
    else {
      const address = recipient.address;
      const token = address === undefined ? undefined : deps.unsubscribeTokens.sign({ tenantId, channel: 'email', address, messageId: id });
      prepared = prepareEmail({ ...common, item: item as EmailItem, ...(token === undefined ? {} : { unsubscribe: { url: unsubscribeUrl(deps.publicUrl, token), token } }) });
    }
    if (prepared.ok) drafts.push(prepared.draft);
    else issues[index]!.push(...prepared.issues);
  });
  const all = issues.flatMap((list, index) => list.map((issue) => ({ path: request.batch ? `messages[${index}].${issue.path}` : issue.path, message: issue.message })));
  if (all.length > 0) throw new SendInputError(all);

  let stored: StoredMessage[];
  try {
    stored = await deps.db.transaction(async (tx) => {
      if (key !== undefined) {
        const claimed = await tx.query(
          `INSERT INTO message_requests (tenant_id, idempotency_key, request_hash, message_ids, batch) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING tenant_id`,
          [tenantId, key, hash, drafts.map((draft) => draft.id), request.batch],
        );
        if (claimed.length === 0) throw new Replay();
      }
      const inserted = await insertMessages(tx, tenantId, drafts, { idempotencyKey: key ?? null, batchId: request.batch ? drafts[0]!.id : null, at: now, origin: options.origin ?? null });
      // A batch is all or nothing, so drafts[i] is items[i].
      await insertReferences(tx, tenantId, drafts.flatMap((draft, index) => (options.references?.[index] ?? []).map((reference) => ({ ...reference, messageId: draft.id }))));
      return inserted;
    });
  } catch (error) {
    // Another request with this key committed first (or a message id collided, which a retry fixes).
    if (key !== undefined && (error instanceof Replay || isUniqueViolation(error))) {
      const previous = await replay(deps, tenantId, key, hash);
      if (previous) return previous;
    }
    throw error;
  }
  await Promise.all(
    stored.map(async (message) => {
      if (message.status === 'blocked') return notify(deps, tenantId, message, 'blocked', now);
      const delayMs = Math.max(0, (message.scheduledFor ?? now).getTime() - now.getTime());
      await deps.queue.add(SUBMIT_JOB, { tenantId, messageId: message.id } satisfies SubmitJob, { jobId: message.id, delayMs });
    }),
  );
  return { messages: stored, replayed: false };
}
