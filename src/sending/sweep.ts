/**
 * The sending sweeper (every 10 s, one process at a time by the queue's schedule): recovers work a
 * crash left behind. Each piece is safe to repeat.
 * 1. Pending messages past due whose job was lost (crash between commit and enqueue, or a worker
 *    that died holding the claim): enqueued again; the submit step's state checks do the rest.
 * 2. Receipts stored before their submit result and not applied because the two writes raced.
 * 3. Status events not published (crash between the status write and the publish).
 */
import { SUBMIT_JOB, type SendingDeps, type SubmitJob } from './deps.ts';
import { getMessages } from './message-store.ts';
import { notify } from './notify.ts';
import { applyStrandedReceipts } from './receipts.ts';

/** A due message without a submit this long after its time lost its job. */
const LOST_JOB_GRACE_SECONDS = 30;
const UNNOTIFIED_GRACE_SECONDS = 15;

export async function sweep(deps: SendingDeps): Promise<{ requeued: number; receipts: number; notified: number }> {
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
  if (due.length + receipts + unnotified.length > 0) deps.log.warn({ requeued: due.length, receipts, notified: unnotified.length }, 'sending sweeper recovered lost work');
  return { requeued: due.length, receipts, notified: unnotified.length };
}
