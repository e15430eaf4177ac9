import type { Logger } from 'pino';
import { ConfigError } from '../config.ts';
import type { Db } from '../store/db.ts';
import { HEARTBEAT_ALIVE_MS, processesAlive, type Heartbeat } from './heartbeat.ts';

/**
 * HUB_PUBLIC_URL must be the same on every process: connectors register shop webhooks at it from
 * whichever process reconciles (often a worker), unsubscribe links carry it. The first process records
 * it in `hub_settings`; later processes are checked against it:
 * - unset here (the localhost default): the recorded URL is adopted, so workers need not repeat it;
 * - set and different while another process is alive: the start is refused, naming both values;
 * - set and different while no process is alive: the hub was stopped to change its URL, so the new
 *   value is recorded (with a warning).
 * The decision and this process's first heartbeat are one transaction under a table lock, so two
 * processes starting together with different values cannot both win.
 */
export async function agreePublicUrl(
  db: Db,
  heartbeat: Heartbeat,
  mine: { url: string; explicit: boolean },
  log: Logger,
): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.query('LOCK TABLE hub_settings IN EXCLUSIVE MODE');
    const [stored] = await tx.query<{ value: string }>("SELECT value FROM hub_settings WHERE key = 'public_url'");
    const alive = await processesAlive(tx);
    await heartbeat.register(tx);
    if (!mine.explicit) return stored?.value ?? mine.url;
    if (stored === undefined) {
      await tx.query("INSERT INTO hub_settings (key, value) VALUES ('public_url', $1)", [mine.url]);
      return mine.url;
    }
    if (stored.value === mine.url) return mine.url;
    if (alive > 0) {
      throw new ConfigError(
        `HUB_PUBLIC_URL is "${mine.url}" here but "${stored.value}" on the ${alive} running process(es) of this hub: every process must use the same URL. ` +
          `Set HUB_PUBLIC_URL=${stored.value}, or stop every process and start them all with the new URL (a process stopped less than ${HEARTBEAT_ALIVE_MS / 1000} s ago still counts as running).`,
      );
    }
    await tx.query("UPDATE hub_settings SET value = $1, updated_at = now() WHERE key = 'public_url'", [mine.url]);
    log.warn({ previous: stored.value, current: mine.url }, 'HUB_PUBLIC_URL changed while no process was running: recorded the new URL');
    return mine.url;
  });
}
