/**
 * The deliver_sm outbox: receipts and MO wait in `smpp_outbox` until a receiver or transceiver of
 * their account acknowledges them with deliver_sm_resp OK, then they are marked delivered and never
 * sent again. While none is bound they wait (Campaign Classic's receiver reconnects every 10 minutes);
 * a refused one (non-OK deliver_sm_resp, e.g. Campaign's "invalid message id" for a receipt that
 * overtook its submit_sm_resp) or an unanswered one is retried with backoff; after `expireAfter` it
 * is given up (state expired).
 *
 * The pump runs in every process that has sessions: rows are claimed for a while (claimed_until) so
 * two processes with sessions of the same account do not send the same row, and polled every
 * `pollMs` for rows written elsewhere or coming due.
 */
import type { Logger } from 'pino';
import { commandStatusName } from '../../smpp-protocol/index.ts';
import type { Db, Sql } from '../../store/db.ts';
import { GroupCommit } from '../../store/group-commit.ts';
import { backoffDelayMs } from '../../retry/backoff.ts';
import type { OutboxPdu } from './deliver-pdus.ts';
import type { BoundSession, SessionRegistry } from './session-registry.ts';

export interface OutboxEntry {
  tenantId: string;
  accountId: string;
  kind: 'receipt' | 'mo';
  /** receipt:<part id> or mo:<event id>: writing the same entry twice stores it once. */
  dedupeKey: string;
  pdu: OutboxPdu;
}

export async function enqueueDeliveries(db: Sql, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO smpp_outbox (tenant_id, account_id, kind, dedupe_key, pdu)
     SELECT e.tenant_id, e.account_id, e.kind, e.dedupe_key, e.pdu FROM jsonb_to_recordset($1::jsonb) AS e(tenant_id text, account_id text, kind text, dedupe_key text, pdu jsonb)
     WHERE EXISTS (SELECT 1 FROM smpp_accounts a WHERE a.id = e.account_id AND a.tenant_id = e.tenant_id)
     ON CONFLICT (account_id, dedupe_key) DO NOTHING`,
    [JSON.stringify(entries.map((entry) => ({ tenant_id: entry.tenantId, account_id: entry.accountId, kind: entry.kind, dedupe_key: entry.dedupeKey, pdu: entry.pdu })))],
  );
}

export interface OutboxPumpOptions {
  pollMs?: number;
  /** A claimed row is not taken by another process for this long (it covers the deliver_sm response timeout). */
  claimSeconds?: number;
  /** Rows in flight per bound receiver session. */
  perSession?: number;
  /** Pending rows older than this are given up. */
  expireAfterHours?: number;
  /** First retry after this many seconds, doubling, at most 10 minutes. */
  retryBaseSeconds?: number;
}

/** Seconds before the next try of a refused or unanswered deliver_sm: 10 s, 20 s, 40 s… up to 10 minutes. */
export function retryDelaySeconds(attempts: number, baseSeconds = 10): number {
  return backoffDelayMs({ baseMs: baseSeconds * 1000, capMs: 600_000 }, attempts - 1) / 1000;
}

type ClaimedRow = { seq: number; account_id: string; pdu: OutboxPdu; attempts: number };

export class OutboxPump {
  readonly #db: Db;
  readonly #registry: SessionRegistry;
  readonly #log: Logger;
  readonly #options: Required<OutboxPumpOptions>;
  readonly #delivered: GroupCommit<number, void>;
  /** Accounts whose drain loop is running, and those poked while it ran. */
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();
  readonly #inFlight = new Map<string, number>();
  readonly #waiters = new Map<string, (() => void)[]>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(db: Db, registry: SessionRegistry, log: Logger, options: OutboxPumpOptions = {}) {
    this.#db = db;
    this.#registry = registry;
    this.#log = log;
    this.#options = { pollMs: 1_000, claimSeconds: 300, perSession: 20, expireAfterHours: 72, retryBaseSeconds: 10, ...options };
    this.#delivered = new GroupCommit<number, void>(async (seqs) => {
      await db.query(`UPDATE smpp_outbox SET state = 'delivered', delivered_at = now(), claimed_until = NULL WHERE seq = ANY($1::bigint[])`, [seqs]);
      return seqs.map((): void => undefined);
    }, 500);
    registry.onReceiverBound((accountId) => this.poke(accountId));
  }

  /** Tests: shorter retries. */
  tune(options: Pick<OutboxPumpOptions, 'retryBaseSeconds'>): void {
    Object.assign(this.#options, options);
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => {
      for (const accountId of this.#registry.accountsWithReceivers()) this.poke(accountId);
    }, this.#options.pollMs);
    this.#timer.unref();
  }

  /** Something may be waiting for the account's receivers (a new row, a receiver bound). */
  poke(accountId: string): void {
    if (this.#stopped) return;
    if (this.#running.has(accountId)) {
      this.#again.add(accountId);
      return;
    }
    this.#running.add(accountId);
    void this.#drain(accountId)
      .catch((error: unknown) => this.#log.warn({ err: error, accountId }, 'smpp outbox: drain failed; retried at the next poll'))
      .finally(() => this.#running.delete(accountId));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#delivered.flush();
  }

  async #drain(accountId: string): Promise<void> {
    for (;;) {
      this.#again.delete(accountId);
      const receivers = this.#registry.receivers(accountId);
      if (receivers.length === 0 || this.#stopped) return;
      const capacity = receivers.length * this.#options.perSession - (this.#inFlight.get(accountId) ?? 0);
      if (capacity <= 0) {
        await new Promise<void>((resolve) => this.#waiters.set(accountId, [...(this.#waiters.get(accountId) ?? []), resolve]));
        continue;
      }
      const rows = await this.#claim(accountId, capacity);
      if (rows.length === 0) {
        if (this.#again.has(accountId)) continue;
        return;
      }
      for (const row of rows) this.#send(row, this.#pick(receivers));
    }
  }

  /** The receiver with the fewest deliver_sm in flight. */
  #pick(receivers: BoundSession[]): BoundSession {
    return receivers.reduce((best, session) => (session.deliveriesInFlight < best.deliveriesInFlight ? session : best));
  }

  async #claim(accountId: string, limit: number): Promise<ClaimedRow[]> {
    return this.#db.query<ClaimedRow>(
      `UPDATE smpp_outbox SET claimed_until = now() + make_interval(secs => $2), attempts = attempts + 1
       WHERE seq IN (SELECT seq FROM smpp_outbox WHERE account_id = $1 AND state = 'pending' AND next_attempt_at <= now()
                     AND (claimed_until IS NULL OR claimed_until < now()) ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING seq, account_id, pdu, attempts`,
      [accountId, this.#options.claimSeconds, limit],
    );
  }

  #send(row: ClaimedRow, session: BoundSession): void {
    const accountId = row.account_id;
    this.#inFlight.set(accountId, (this.#inFlight.get(accountId) ?? 0) + 1);
    session
      .deliver(row.pdu)
      .then(
        (status) => (status === 0 ? this.#delivered.push(row.seq) : this.#retryLater(row, `deliver_sm_resp ${commandStatusName(status)}`)),
        (error: unknown) => this.#retryLater(row, error instanceof Error ? error.message : String(error)),
      )
      .catch((error: unknown) => this.#log.warn({ err: error, seq: row.seq }, 'smpp outbox: could not record a delivery; the claim expires and it is sent again'))
      .finally(() => {
        this.#inFlight.set(accountId, (this.#inFlight.get(accountId) ?? 1) - 1);
        const waiters = this.#waiters.get(accountId);
        this.#waiters.delete(accountId);
        for (const wake of waiters ?? []) wake();
      });
  }

  async #retryLater(row: ClaimedRow, error: string): Promise<void> {
    this.#log.debug({ seq: row.seq, attempts: row.attempts, error }, 'smpp outbox: deliver_sm not acknowledged; retried later');
    await this.#db.query(
      `UPDATE smpp_outbox SET claimed_until = NULL, last_error = $2, next_attempt_at = now() + make_interval(secs => $3),
         state = CASE WHEN created_at < now() - make_interval(hours => $4) THEN 'expired' ELSE 'pending' END
       WHERE seq = $1`,
      [row.seq, error.slice(0, 500), retryDelaySeconds(row.attempts, this.#options.retryBaseSeconds), this.#options.expireAfterHours],
    );
  }
}
