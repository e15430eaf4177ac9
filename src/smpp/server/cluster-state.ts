/**
 * SMPP account limits across every gateway of the hub (issue 18): an operator sets `maxBinds`,
 * `throughputPerSecond`, the failed-bind lockout and `enabled` per account, so they must hold for
 * the hub as a whole, not for each process. The state lives in the database (it is shared by all
 * gateways whether or not Redis is configured, and binds are rare):
 *
 * - **Binds** (`smpp_binds`): a bind reserves a row under the account row's lock, refused at
 *   `maxBinds` rows; the row goes when the session closes. Each gateway refreshes `seen_at` of its
 *   rows every `SEEN_EVERY_MS`; the rows of a gateway that died stop counting after `STALE_SECONDS`.
 * - **Account changes**: every `watchEveryMs` (0.5 s), a gateway reads the accounts its sessions are
 *   bound with; a disabled or deleted account's sessions are closed, others get the new settings.
 * - **Throughput**: the account's rate is shared between the gateways in proportion to the sessions
 *   that may submit (transmitter, transceiver) each holds, recomputed by the same watch; each
 *   gateway enforces its share locally (a token bucket), so the hub's total stays within the rate
 *   without a database write per submit_sm.
 * - **Lockout** (`smpp_bind_failures`): failed binds per remote address, counted by every gateway;
 *   a local copy answers a locked address without reaching the database.
 */
import type { Logger } from 'pino';
import { randomBase62 } from '../../ids.ts';
import type { Db } from '../../store/db.ts';
import type { BindType } from '../accounts/account.ts';
import { findAccountsByIds } from '../accounts/account-store.ts';
import { BindGuard } from './bind-guard.ts';
import type { SessionRegistry } from './session-registry.ts';

/** How often a gateway confirms its binds are alive. */
const SEEN_EVERY_MS = 5_000;
/** A bind not confirmed for this long belongs to a gateway that died: it no longer counts. */
export const STALE_SECONDS = 15;
const DEFAULT_WATCH_EVERY_MS = 500;

export interface ClusterStateOptions {
  watchEveryMs?: number;
  lockout?: { maxFailures?: number; windowMs?: number };
}

export class SmppClusterState {
  readonly gatewayId = `gw_${randomBase62(16)}`;
  readonly #db: Db;
  readonly #registry: SessionRegistry;
  readonly #log: Logger;
  readonly #watchEveryMs: number;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  /** Addresses this gateway saw locked: refused without a query until the window passes. */
  readonly #localLocks: BindGuard;
  /** account id → this gateway's part of the account's submitting sessions (1 when alone). */
  readonly #shares = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #watching: Promise<void> = Promise.resolve();
  #lastSeen = 0;

  constructor(db: Db, registry: SessionRegistry, log: Logger, options: ClusterStateOptions = {}) {
    this.#db = db;
    this.#registry = registry;
    this.#log = log;
    this.#watchEveryMs = options.watchEveryMs ?? DEFAULT_WATCH_EVERY_MS;
    this.#maxFailures = options.lockout?.maxFailures ?? 10;
    this.#windowMs = options.lockout?.windowMs ?? 60_000;
    this.#localLocks = new BindGuard({ maxFailures: this.#maxFailures, windowMs: this.#windowMs });
  }

  /** Takes one of the account's `maxBinds` slots for this session, counted over every gateway; false when none is left. */
  async reserveBind(accountId: string, sessionId: string, bindType: BindType): Promise<boolean> {
    const reserved = await this.#db.transaction(async (tx) => {
      // The account row's lock orders the binds of one account across gateways (and it reads the current maximum).
      const [account] = await tx.query<{ max_binds: number }>('SELECT max_binds FROM smpp_accounts WHERE id = $1 FOR UPDATE', [accountId]);
      if (!account) return false;
      await tx.query('DELETE FROM smpp_binds WHERE account_id = $1 AND seen_at < now() - make_interval(secs => $2)', [accountId, STALE_SECONDS]);
      const [row] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM smpp_binds WHERE account_id = $1', [accountId]);
      if ((row?.count ?? 0) >= account.max_binds) return false;
      await tx.query('INSERT INTO smpp_binds (session_id, account_id, gateway_id, bind_type) VALUES ($1, $2, $3, $4)', [sessionId, accountId, this.gatewayId, bindType]);
      return true;
    });
    if (reserved) await this.#refreshShares([accountId]);
    return reserved;
  }

  /** The session closed: its slot is free for a bind on any gateway. */
  async releaseBind(sessionId: string): Promise<void> {
    await this.#db.query('DELETE FROM smpp_binds WHERE session_id = $1', [sessionId]);
  }

  /** This gateway's part of the account's throughput (see the file's comment). */
  shareOf(accountId: string): number {
    return this.#shares.get(accountId) ?? 1;
  }

  async isLocked(address: string, now: number): Promise<boolean> {
    if (this.#localLocks.isLocked(address, now)) return true;
    const [row] = await this.#db.query<{ locked: boolean }>(
      `SELECT failures >= $2 AS locked FROM smpp_bind_failures WHERE address = $1 AND since > now() - make_interval(secs => $3)`,
      [address, this.#maxFailures, this.#windowMs / 1000],
    );
    if (!row?.locked) return false;
    // Remembered here so a guessing flood costs no further queries on this gateway.
    for (let failure = 0; failure < this.#maxFailures; failure++) this.#localLocks.recordFailure(address, now);
    return true;
  }

  async recordFailure(address: string): Promise<void> {
    await this.#db.query(
      `INSERT INTO smpp_bind_failures (address, failures, since) VALUES ($1, 1, now())
       ON CONFLICT (address) DO UPDATE SET
         failures = CASE WHEN smpp_bind_failures.since <= now() - make_interval(secs => $2) THEN 1 ELSE smpp_bind_failures.failures + 1 END,
         since = CASE WHEN smpp_bind_failures.since <= now() - make_interval(secs => $2) THEN now() ELSE smpp_bind_failures.since END`,
      [address, this.#windowMs / 1000],
    );
  }

  async recordSuccess(address: string): Promise<void> {
    this.#localLocks.recordSuccess(address);
    await this.#db.query('DELETE FROM smpp_bind_failures WHERE address = $1', [address]);
  }

  /**
   * `exclusive`: this process is the only one on its store (embedded), so binds left by a previous
   * run are gone with it and are deleted at once instead of after `STALE_SECONDS`.
   */
  async start(options: { exclusive?: boolean } = {}): Promise<void> {
    if (this.#timer) return;
    if (options.exclusive) await this.#db.query('DELETE FROM smpp_binds');
    this.#timer = setInterval(() => {
      this.#watching = this.#watching.then(() => this.watch()).catch((error: unknown) => this.#log.warn({ err: error }, 'smpp: reading the accounts of bound sessions failed; retrying'));
    }, this.#watchEveryMs);
    this.#timer.unref();
  }

  /**
   * One round: sessions of disabled or deleted accounts closed, new settings applied, throughput
   * shares recomputed, and (every few seconds) this gateway's binds confirmed alive.
   */
  async watch(): Promise<void> {
    const accountIds = this.#registry.accountIds();
    if (accountIds.length > 0) {
      const accounts = new Map((await findAccountsByIds(this.#db, accountIds)).map((account) => [account.id, account] as const));
      for (const accountId of accountIds) {
        const account = accounts.get(accountId);
        if (!account?.enabled) this.#registry.closeAccount(accountId, account ? 'account disabled' : 'account deleted');
        else this.#registry.updateAccount(account);
      }
      await this.#refreshShares(accountIds);
    }
    for (const accountId of this.#shares.keys()) if (!accountIds.includes(accountId)) this.#shares.delete(accountId);
    if (Date.now() - this.#lastSeen >= SEEN_EVERY_MS) {
      this.#lastSeen = Date.now();
      await this.#db.query('UPDATE smpp_binds SET seen_at = now() WHERE gateway_id = $1', [this.gatewayId]);
      await this.#db.query(`DELETE FROM smpp_bind_failures WHERE since < now() - make_interval(secs => $1)`, [this.#windowMs / 1000]);
    }
  }

  async #refreshShares(accountIds: string[]): Promise<void> {
    const rows = await this.#db.query<{ account_id: string; mine: number; total: number }>(
      `SELECT account_id, count(*) FILTER (WHERE gateway_id = $2)::int AS mine, count(*)::int AS total FROM smpp_binds
       WHERE account_id = ANY($1::text[]) AND bind_type <> 'receiver' AND seen_at > now() - make_interval(secs => $3) GROUP BY account_id`,
      [accountIds, this.gatewayId, STALE_SECONDS],
    );
    for (const accountId of accountIds) {
      const row = rows.find((candidate) => candidate.account_id === accountId);
      this.#shares.set(accountId, row && row.total > 0 ? row.mine / row.total : 1);
    }
  }

  /** Stops watching and frees this gateway's binds at once (a graceful stop; a killed gateway's go stale). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#watching;
    await this.#db.query('DELETE FROM smpp_binds WHERE gateway_id = $1', [this.gatewayId]);
  }
}
