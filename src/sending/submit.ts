/**
 * The submit step (job `sending.submit`): one message to its provider, at most once per claim.
 *
 * Every run first reads the message and does nothing unless it is still pending (accepted or
 * scheduled) and due. It then claims it (`claimed_until`, a database-time lease): only the claim
 * holder calls the provider, so two deliveries of the job, or the job and the sweeper, never submit
 * the same message twice. Before the claim, compliance is checked again (an opt-out may have arrived
 * while the message waited for Monday 08:00) and the provider's rate limit is reserved; a run that
 * decides to wait or to block writes only while nobody holds the claim.
 *
 * The one window for a duplicate: the process dies after the provider accepted the message and
 * before the result is written. The claim then expires, and the message is submitted again. At most
 * the messages in flight in that process are concerned; providers offer no way to ask "did you get
 * message X" that would close the window (SMPP has no idempotency key; query_sm needs the provider's id).
 */
import { backoffDelayMs } from '../retry/backoff.ts';
import { SUBMIT_JOB, type SendingDeps, type SubmitJob } from './deps.ts';
import { complianceDecision } from './compliance/index.ts';
import { FINAL_STATUSES, isPending, type MessageStatus, type ScheduleReason } from './message.ts';
import { insertHistory, type StoredMessage } from './message-store.ts';
import { notify } from './notify.ts';
import type { OutboundEmail, OutboundSms, SubmitResult } from './providers/provider.ts';
import { applyWaitingReceipts } from './receipts.ts';
import { costOf } from './throughput.ts';

/** A job that runs this much early (the sweeper, a clock skew) reschedules instead of submitting. */
const EARLY_TOLERANCE_MS = 1_000;

/** After try `attempt` (1-based): exponential from `baseDelayMs`, capped, no jitter; never sooner than the provider asked. */
function retryDelay(policy: SendingDeps['retry'], attempt: number, afterMs?: number): number {
  return Math.max(afterMs ?? 0, backoffDelayMs({ baseMs: policy.baseDelayMs, capMs: policy.maxDelayMs }, attempt - 1));
}

async function enqueueAt(deps: SendingDeps, message: { tenantId: string; id: string }, jobSeq: number, at: Date): Promise<void> {
  const delayMs = Math.max(0, at.getTime() - deps.clock().getTime());
  await deps.queue.add(SUBMIT_JOB, { tenantId: message.tenantId, messageId: message.id } satisfies SubmitJob, { jobId: `${message.id}.${jobSeq}`, delayMs });
}

/** Puts the message back to wait until `at` (releasing the claim) and enqueues the job that will take it then. */
/**
 * `held`: this run holds the claim. Without it the write also requires that nobody does, so a
 * duplicate run deciding to wait or to block cannot release another run's claim mid-submit.
 */
const UNCLAIMED = ' AND (claimed_until IS NULL OR claimed_until < now())';

async function reschedule(deps: SendingDeps, message: StoredMessage, at: Date, reason: ScheduleReason, held: boolean, fields: { rateSlotAt?: Date; error?: string } = {}): Promise<void> {
  const [row] = await deps.db.query<{ job_seq: number }>(
    `UPDATE messages SET status = 'scheduled', run_at = $3, schedule_reason = $4, rate_slot_at = $5, error = coalesce($6, error),
       claimed_until = NULL, job_seq = job_seq + 1, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND status IN ('accepted', 'scheduled')${held ? '' : UNCLAIMED} RETURNING job_seq`,
    [message.tenantId, message.id, at, reason, fields.rateSlotAt ?? null, fields.error ?? null],
  );
  if (!row) return;
  if (message.status !== 'scheduled' || message.scheduleReason !== reason) {
    await insertHistory(deps.db, message.tenantId, [{ messageId: message.id, status: 'scheduled', reason, at: deps.clock() }]);
  }
  await enqueueAt(deps, message, row.job_seq, at);
}

/** Ends a pending message without a provider (blocked at submit time, retries exhausted, refused). */
async function finish(deps: SendingDeps, message: StoredMessage, status: Extract<MessageStatus, 'blocked' | 'failed' | 'rejected'>, held: boolean, fields: { blockReason?: string; error?: string; providerKind?: string }): Promise<void> {
  const now = deps.clock();
  const updated = await deps.db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE messages SET status = $3, block_reason = $4, error = $5, provider_kind = coalesce($6, provider_kind), claimed_until = NULL,
         completed_at = $7, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status IN ('accepted', 'scheduled')${held ? '' : UNCLAIMED} RETURNING id`,
      [message.tenantId, message.id, status, fields.blockReason ?? null, fields.error ?? null, fields.providerKind ?? null, now],
    );
    if (rows.length > 0) await insertHistory(tx, message.tenantId, [{ messageId: message.id, status, reason: fields.blockReason ?? fields.error ?? null, at: now }]);
    return rows.length > 0;
  });
  if (updated) {
    await notify(deps, message.tenantId, { ...message, blockReason: (fields.blockReason as StoredMessage['blockReason']) ?? null, error: fields.error ?? null }, status, now);
  }
}

function outbound(message: StoredMessage): OutboundSms | OutboundEmail {
  if (message.channel === 'sms') {
    return {
      messageId: message.id,
      tenantId: message.tenantId,
      from: message.from,
      to: message.to,
      text: message.text,
      encoding: message.encoding ?? 'GSM-7',
      segments: message.segments ?? 1,
      requestReceipt: true,
    };
  }
  const email = message.email!;
  return {
    messageId: message.id,
    tenantId: message.tenantId,
    from: { email: message.from, ...(email.fromName ? { name: email.fromName } : {}) },
    to: message.to,
    ...(email.replyTo ? { replyTo: email.replyTo } : {}),
    subject: email.subject,
    text: email.text,
    ...(email.html ? { html: email.html } : {}),
    headers: email.headers,
    ...(email.attachments?.length ? { attachments: email.attachments } : {}),
  };
}

async function recheckCompliance(deps: SendingDeps, message: StoredMessage, now: Date): Promise<{ kind: 'go' } | { kind: 'block'; reason: string } | { kind: 'defer'; until: Date }> {
  if (message.category !== 'marketing') return { kind: 'go' };
  const settings = await deps.settings.get(message.tenantId);
  const facts = await deps.batches.complianceFacts({ tenantId: message.tenantId, channel: message.channel, address: message.to, contactId: message.contactId });
  const decision = complianceDecision({
    category: message.category,
    channel: message.channel,
    consent: facts.consent,
    optedOut: facts.optedOut,
    now,
    timeZone: facts.timeZone ?? settings.timeZone,
    policy: settings.quietHours,
  });
  if (decision.kind === 'block') return { kind: 'block', reason: decision.reason };
  if (decision.kind === 'defer') return { kind: 'defer', until: decision.until };
  return { kind: 'go' };
}

/** The `sending.submit` job handler. */
export async function submitMessage(deps: SendingDeps, job: SubmitJob): Promise<void> {
  const message = await deps.batches.load(job.tenantId, job.messageId);
  if (!message) return;
  if (!isPending(message.status)) {
    // A redelivered job after the result was written: make sure its event went out, nothing else.
    if (FINAL_STATUSES.has(message.status) || message.status === 'submitted') {
      if (message.notifiedStatus !== message.status) await notify(deps, message.tenantId, message, message.status, deps.clock());
    }
    return;
  }
  const now = deps.clock();
  const dueAt = message.scheduledFor ?? now;
  if (dueAt.getTime() - now.getTime() > EARLY_TOLERANCE_MS) {
    // Early (a sweeper copy, or the clock moved): the job for its time exists or is made now.
    await enqueueAt(deps, message, message.jobSeq, dueAt);
    return;
  }
  const compliance = await recheckCompliance(deps, message, now);
  if (compliance.kind === 'block') return finish(deps, message, 'blocked', false, { blockReason: compliance.reason });
  if (compliance.kind === 'defer') return reschedule(deps, message, compliance.until, 'quiet_hours', false);

  let resolved;
  try {
    resolved = await deps.registry.resolve(message.tenantId, message.channel);
  } catch (error) {
    return retryOrFail(deps, message, message.attempts + 1, { kind: 'retry', reason: `provider unavailable: ${error instanceof Error ? error.message : String(error)}` }, undefined, false);
  }

  if (resolved.rateLimit) {
    const slotTaken = message.rateSlotAt !== null && message.rateSlotAt.getTime() <= now.getTime() + EARLY_TOLERANCE_MS;
    if (!slotTaken) {
      const slot = await deps.rateLimiter.reserve(message.tenantId, resolved.limiterKey, resolved.rateLimit, now, costOf(resolved.rateLimit, message.segments));
      if (slot.getTime() - now.getTime() > 20) return reschedule(deps, message, slot, 'rate_limit', false, { rateSlotAt: slot });
    }
  }

  // The claim: from here only this run may call the provider for this message.
  const attempt = await deps.batches.claim(message.tenantId, message.id, resolved.kind);
  if (attempt === undefined) return;
  let result: SubmitResult;
  try {
    result = await (resolved.provider.channel === 'sms'
      ? resolved.provider.submit(outbound(message) as OutboundSms)
      : resolved.provider.submit(outbound(message) as OutboundEmail));
  } catch (error) {
    result = { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
  }

  if (result.kind === 'submitted') {
    const submittedAt = deps.clock();
    const ids = result.providerMessageIds;
    await deps.batches.recordSubmitted({ tenantId: message.tenantId, id: message.id, channel: message.channel, providerMessageIds: ids, at: submittedAt });
    await notify(deps, message.tenantId, message, 'submitted', submittedAt);
    // Receipts that arrived before this write (fast SMSCs) were stored waiting: apply them now.
    await applyWaitingReceipts(deps, message.tenantId, message.channel, ids);
    return;
  }
  if (result.kind === 'rejected') {
    return finish(deps, message, 'rejected', true, { error: result.code ? `${result.reason} (${result.code})` : result.reason, providerKind: resolved.kind });
  }
  return retryOrFail(deps, message, attempt, result, resolved.kind, true);
}

async function retryOrFail(deps: SendingDeps, message: StoredMessage, attempt: number, result: Extract<SubmitResult, { kind: 'retry' }>, providerKind: string | undefined, held: boolean): Promise<void> {
  if (attempt >= deps.retry.maxAttempts) {
    return finish(deps, message, 'failed', held, { error: `gave up after ${attempt} attempts: ${result.reason}`, ...(providerKind ? { providerKind } : {}) });
  }
  const at = new Date(deps.clock().getTime() + retryDelay(deps.retry, attempt, result.afterMs));
  if (providerKind === undefined) {
    // The provider could not be built: count it as an attempt so a broken configuration ends in `failed`.
    await deps.db.query(`UPDATE messages SET attempts = $3 WHERE tenant_id = $1 AND id = $2${UNCLAIMED}`, [message.tenantId, message.id, attempt]);
  }
  return reschedule(deps, message, at, 'retry', held, { error: result.reason });
}
