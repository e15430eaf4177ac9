/**
 * The sending sweeper (every 10 s, one process at a time by the queue's schedule): recovers work a
 * crash left behind. Each piece is safe to repeat.
 * 1. Pending messages past due whose job was lost (crash between commit and enqueue, or a worker
 *    that died holding the claim): enqueued again; the submit step's state checks do the rest.
 * 2. Receipts stored before their submit result and not applied because the two writes raced.
 * 3. Status events not published (crash between the status write and the publish).
 * 4. Messages `submitted` for more than `REPLAY_AFTER_SECONDS` through a provider kind that can
 *    replay receipts (the sandbox): their provider is asked to report them (a process killed
 *    while holding a receipt in memory must not leave the message waiting for the expiry below).
 * 5. SMS still `submitted` past the tenant's receipt timeout (`receiptTimeoutHours` after
 *    submission): their receipt is never coming, they become `expired` (`expireWithoutReceipt`).
 *    SMS only: email has no validity period, and an SMTP relay's 250 is all an email ever gets
 *    unless it bounces, so an email without receipt is not a failure.
 */
import { SUBMIT_JOB, type SendingDeps, type SubmitJob } from './deps.ts';
import { getMessages } from './message-store.ts';
import { notify } from './notify.ts';
import type { MessageChannel } from './message.ts';
import { applyStrandedReceipts, expireWithoutReceipt } from './receipts.ts';

/** A due message without a submit this long after its time lost its job. */
const LOST_JOB_GRACE_SECONDS = 30;
const UNNOTIFIED_GRACE_SECONDS = 15;
/** Receipts overdue this long are asked again of providers that can replay them (step 4). */
const REPLAY_AFTER_SECONDS = 10;
const REPLAY_PER_RUN = 1000;
/**
 * Newest first and within a day: messages that never get a receipt (the sandbox's silent
 * recipients) are offered every run, and must not crowd out the ones a recent crash left behind.
 */
const REPLAY_WINDOW_HOURS = 24;
/** Per run: the rest waits 10 s for the next one, oldest first. */
const EXPIRE_PER_TENANT = 200;
const EXPIRE_PER_RUN = 1000;
/** The schema's minimum `receiptTimeoutHours`: nothing submitted more recently can be due. */
const MIN_RECEIPT_TIMEOUT_HOURS = 1;
const HOUR_MS = 3_600_000;

export async function sweep(deps: SendingDeps): Promise<{ requeued: number; receipts: number; notified: number; replayed: number; expired: number }> {
  const due = await deps.db.query<{ tenant_id: string; id: string }>(
    `SELECT tenant_id, id FROM messages WHERE status IN ('accepted', 'scheduled') AND run_at < now() - make_interval(secs => $1)
       AND (claimed_until IS NULL OR claimed_until < now()) ORDER BY run_at LIMIT 1000`,
    [LOST_JOB_GRACE_SECONDS],
  );
  // One copy per message and minute: a job still waiting in a backlog is not multiplied.
  const minute = Math.floor(Date.now() / 60_000);
  for (const row of due) {
    await deps.queue.add(SUBMIT_JOB, { tenantId: row.tenant_id, messageId: row.id } satisfies SubmitJob, { jobId: `${row.id}.sweep.${minute}` });
  }
  const receipts = await applyStrandedReceipts(deps, 5);
  const unnotified = await deps.db.query<{ tenant_id: string; id: string }>(
    `SELECT tenant_id, id FROM messages WHERE status NOT IN ('accepted', 'scheduled') AND notified_status IS DISTINCT FROM status
       AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT 500`,
    [UNNOTIFIED_GRACE_SECONDS],
  );
  for (const row of unnotified) {
    const [message] = await getMessages(deps.db, row.tenant_id, [row.id]);
    if (message) await notify(deps, row.tenant_id, message, message.status, message.completedAt ?? message.submittedAt ?? message.updatedAt);
  }
  const replayed = await replayOverdueReceipts(deps);
  const expired = await expireUnreceipted(deps);
  if (due.length + receipts + unnotified.length + replayed + expired > 0) {
    deps.log.warn({ requeued: due.length, receipts, notified: unnotified.length, replayed, expired }, 'sending sweeper recovered lost work');
  }
  return { requeued: due.length, receipts, notified: unnotified.length, replayed, expired };
}

/**
 * Step 4. Grouped by tenant and channel; a tenant whose provider changed since (another kind) is
 * left to the receipt timeout. Returns how many messages were offered to their provider.
 */
async function replayOverdueReceipts(deps: SendingDeps): Promise<number> {
  const kinds = deps.registry.factories().filter((factory) => factory.replaysReceipts).map((factory) => factory.kind);
  if (kinds.length === 0) return 0;
  const rows = await deps.db.query<{ id: string; tenant_id: string; channel: MessageChannel; provider_kind: string; to_address: string; body: string; provider_message_ids: string[]; submitted_at: Date }>(
    `SELECT id, tenant_id, channel, provider_kind, to_address, body, provider_message_ids, submitted_at FROM messages
     WHERE status = 'submitted' AND provider_kind = ANY($1::text[]) AND submitted_at < $2 AND submitted_at > $3 ORDER BY submitted_at DESC LIMIT $4`,
    [kinds, new Date(deps.clock().getTime() - REPLAY_AFTER_SECONDS * 1000), new Date(deps.clock().getTime() - REPLAY_WINDOW_HOURS * HOUR_MS), REPLAY_PER_RUN],
  );
  const groups = new Map<string, typeof rows>();
  for (const row of rows) {
    const key = JSON.stringify([row.tenant_id, row.channel]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  let offered = 0;
  for (const group of groups.values()) {
    const { tenant_id: tenantId, channel } = group[0]!;
    try {
      const { provider } = await deps.registry.resolve(tenantId, channel);
      const current = group.filter((row) => row.provider_kind === provider.kind);
      if (!provider.replayReceipts || current.length === 0) continue;
      await provider.replayReceipts(
        current.map((row) => ({ messageId: row.id, tenantId, to: row.to_address, text: row.body, providerMessageIds: row.provider_message_ids, submittedAt: new Date(row.submitted_at) })),
      );
      offered += current.length;
    } catch (error) {
      deps.log.warn({ err: error, tenantId, channel }, 'sending sweeper: replaying overdue receipts failed; next run retries');
    }
  }
  return offered;
}

/**
 * Step 5. Tenants first (their oldest submitted SMS, from the `messages_submitted_sms` index), then
 * each tenant's own timeout from its settings, then its messages past it, oldest first. Uses the
 * business clock, which also wrote `submitted_at`.
 */
async function expireUnreceipted(deps: SendingDeps): Promise<number> {
  const now = deps.clock();
  const tenants = await deps.db.query<{ tenant_id: string; oldest: Date }>(
    `SELECT tenant_id, min(submitted_at) AS oldest FROM messages WHERE status = 'submitted' AND channel = 'sms' AND submitted_at < $1 GROUP BY tenant_id ORDER BY min(submitted_at)`,
    [new Date(now.getTime() - MIN_RECEIPT_TIMEOUT_HOURS * HOUR_MS)],
  );
  let expired = 0;
  for (const { tenant_id: tenantId, oldest } of tenants) {
    if (expired >= EXPIRE_PER_RUN) break;
    const hours = (await deps.settings.get(tenantId)).receiptTimeoutHours;
    const submittedBefore = new Date(now.getTime() - hours * HOUR_MS);
    if (new Date(oldest).getTime() >= submittedBefore.getTime()) continue;
    const rows = await deps.db.query<{ id: string }>(
      `SELECT id FROM messages WHERE tenant_id = $1 AND status = 'submitted' AND channel = 'sms' AND submitted_at < $2 ORDER BY submitted_at LIMIT $3`,
      [tenantId, submittedBefore, Math.min(EXPIRE_PER_TENANT, EXPIRE_PER_RUN - expired)],
    );
    const reason = `no receipt within ${hours} h of submission`;
    for (const row of rows) {
      if (await expireWithoutReceipt(deps, tenantId, row.id, submittedBefore, reason, now)) expired += 1;
    }
  }
  return expired;
}
