/**
 * The contract's recurring poll (`Connector.poll`): a tick every minute enqueues, for each live
 * installation of a connector that polls, one job at the first tick of each period of its own
 * length (periods aligned on the epoch; stateless, so any worker may tick). The job id names the
 * period: a tick repeated while the job waits adds nothing. A period whose first tick was missed
 * (the hub down) is skipped: the next one reads from the connector's cursor, losing nothing.
 * What a poll finds goes through the inbox like any inbound request: deduped by its key, handled
 * by the connector's `handle` with its memory.
 */
import type { PollContext } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { ExternalSystemError } from './external-error.ts';
import { receive } from './inbox.ts';
import { getInstallationById, liveInstallations } from './installation-store.ts';
import { contextFor } from './lifecycle.ts';

const POLL_TICK_JOB = 'connectors.poll-tick';
const POLL_JOB = 'connectors.poll';
export const POLL_TICK_MS = 60_000;

/** Enqueues the polls whose period starts within this tick; returns how many. */
export async function enqueueDuePolls(deps: ConnectorDeps, now = deps.clock()): Promise<number> {
  let count = 0;
  for (const { id, tenantId, connector: connectorId } of await liveInstallations(deps.db)) {
    const connector = deps.registry.get(connectorId);
    if (!connector?.poll) continue;
    const installation = await getInstallationById(deps.db, id);
    if (!installation || installation.status === 'uninstalled') continue;
    const settings = connector.manifest.settings.safeParse(installation.settings);
    if (!settings.success) continue;
    const everyMs = Math.max(POLL_TICK_MS, connector.poll.everyMs(settings.data));
    if (now.getTime() % everyMs >= POLL_TICK_MS) continue;
    await deps.queue.add(POLL_JOB, { tenantId, installationId: id }, { jobId: `connectors.poll.${id}.${Math.floor(now.getTime() / everyMs)}` });
    count++;
  }
  return count;
}

/** One poll of one installation now (the job, and tests). */
export async function pollInstallation(deps: ConnectorDeps, installationId: string): Promise<{ received: number; duplicates: number } | undefined> {
  const installation = await getInstallationById(deps.db, installationId);
  if (!installation || installation.status === 'uninstalled') return undefined;
  const connector = deps.registry.get(installation.connector);
  if (!connector?.poll) return undefined;
  const now = deps.clock();
  const ctx: PollContext = { ...contextFor(deps, connector, installation), receive: (request) => receive(deps, installation, request), dueAt: now, now };
  const result = await connector.poll.run(ctx);
  if (result.received > 0) ctx.log.info(result, 'connector poll found what the pushes missed');
  return result;
}

export async function startPolling(deps: ConnectorDeps): Promise<void> {
  deps.queue.process<{ tenantId: string; installationId: string }>(
    POLL_JOB,
    async (job) => {
      try {
        await pollInstallation(deps, job.data.installationId);
      } catch (error) {
        // The next period tries again; the cursor only moves past what was stored.
        deps.log[error instanceof ExternalSystemError ? 'warn' : 'error']({ err: error, installationId: job.data.installationId }, 'connector poll failed');
      }
    },
    { concurrency: 2 },
  );
  deps.queue.process(POLL_TICK_JOB, async () => void (await enqueueDuePolls(deps)), { concurrency: 1 });
  await deps.queue.schedule(POLL_TICK_JOB, POLL_TICK_JOB, POLL_TICK_MS);
}
