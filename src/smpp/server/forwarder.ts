/**
 * Accepted parts → the sending core. Complete messages (one part, or every part of a long one) are
 * claimed from `smpp_inbox` in batches, their text joined, and handed through the sending port with an
 * idempotency key stored on the rows before the call: a process that dies during a handoff leaves the
 * rows claimed with that key, and the next run replays the same batch with the same key, so nothing is
 * sent twice. Handed-off parts move to `smpp_submits` with their hub message id, in one transaction.
 *
 * Backpressure: while the sending core has `maxDueMessages` or more messages due and not yet submitted,
 * the forwarder waits. And while submit_sm keep arriving it hands off at most one batch per
 * `busyIntervalMs`: the submit_sm path shares the process and the database (on PGlite, its only
 * connection) with the sending pipeline, and its response time is what ESMEs watch (Adobe Campaign
 * expects < 100 ms and resends after 1 s); measured on PGlite, handing off at the pipeline's full pace
 * during a burst took submit_sm_resp from 3 ms to 200 ms at p50 (docs/benchmarks.md). The inbox
 * absorbs the burst and the hub catches up as soon as it ends; a stream slower than batchSize per
 * busyIntervalMs is handed off as it comes.
 *
 * A long message whose parts do not all arrive within `assemblyTimeoutMs` is not sent (the ESME never
 * got an OK for the missing part, so it counts the message as failed): its parts that asked for a
 * receipt get REJECTD. A part that arrives again after its message left (an ESME resending after a slow
 * submit_sm_resp) is linked to that message and not sent again.
 */
import type { Logger } from 'pino';
import { randomBase62 } from '../../ids.ts';
import type { Db } from '../../store/db.ts';
import type { MessageCategory } from '../../sending/message.ts';
import { countDueMessages } from '../../sending/message-reads.ts';
import { assembleText, missingParts, type StoredPart } from './assemble.ts';
import { HubErrorCode, receiptPdu } from './deliver-pdus.ts';
import type { InboxPartColumns } from './inbox.ts';
import { enqueueDeliveries, type OutboxEntry } from './outbox.ts';
import type { SmppSendingPort } from './sending-port.ts';

/** An inbox row as read back: typed columns, bytes and dates decoded. */
type InboxRow = InboxPartColumns & {
  seq: number;
  category: MessageCategory;
  user_data: Buffer | Uint8Array;
  receipt: 'none' | 'final' | 'failure';
  send_at: Date | null;
  received_at: Date;
};

export interface ForwarderOptions {
  pollMs?: number;
  /** Groups per handoff (one sending-core batch per tenant and account). */
  batchSize?: number;
  assemblyTimeoutMs?: number;
  claimSeconds?: number;
  /** Hand nothing off while the sending core has this many messages due and not submitted. */
  maxDueMessages?: number;
  /** Handed-off parts (and delivered outbox rows) are deleted after this many days. */
  retentionDays?: number;
  /** While parts keep arriving (one in the last `busyWindowMs`): one batch per this interval at most. */
  busyIntervalMs?: number;
  busyWindowMs?: number;
}

/** Waiting parts looked at per claim: the inbox holds only the backlog, and this bounds a claim's scan. */
const SCAN_ROWS = 2_000;
const RETENTION_EVERY_MS = 10 * 60_000;

const COLUMNS = `id, seq, tenant_id, account_id, group_key, part_total, part_seq, source_addr, source_ton, source_npi, destination_addr, dest_ton, dest_npi,
  sender, recipient, category, data_coding, user_data, receipt, send_at, received_at`;

type Outcome = { state: 'forwarded' | 'duplicate'; messageId: string; textStart: string | null } | { state: 'rejected'; error: string };

const partsOf = (group: InboxRow[]): StoredPart[] =>
  group.map((row) => ({ partSeq: row.part_seq, partTotal: row.part_total, dataCoding: row.data_coding, userData: Buffer.from(row.user_data) }));

export class Forwarder {
  readonly #db: Db;
  readonly #port: SmppSendingPort;
  readonly #log: Logger;
  readonly #options: Required<ForwarderOptions>;
  readonly #onReceipts: (accountId: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #lastRetention = 0;
  #lastStored = 0;
  #lastHandoff = 0;

  constructor(db: Db, port: SmppSendingPort, log: Logger, onReceipts: (accountId: string) => void, options: ForwarderOptions = {}) {
    this.#db = db;
    this.#port = port;
    this.#log = log;
    this.#onReceipts = onReceipts;
    this.#options = {
      pollMs: 250,
      batchSize: 200,
      assemblyTimeoutMs: 120_000,
      claimSeconds: 120,
      maxDueMessages: 100,
      retentionDays: 7,
      busyIntervalMs: 1_000,
      busyWindowMs: 250,
      ...options,
    };
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.poke(), this.#options.pollMs);
    this.#timer.unref();
    this.poke();
  }

  /** Parts were stored: a submit_sm burst may be under way. */
  noteStored(): void {
    this.#lastStored = Date.now();
    // During a burst the poll timer paces the handoffs; a poke per stored batch would only add queries.
    if (this.#lastStored - this.#lastHandoff >= this.#options.busyIntervalMs) this.poke();
  }

  /** Something may be ready (or the poll timer fired). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => (this.#running = undefined));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** Hands off until nothing is ready (or the sending core is busy); resolves with the number of messages handled. */
  async runOnce(): Promise<number> {
    let handled = 0;
    for (;;) {
      const stale = await this.#claimStale();
      const claimed = stale ?? (this.#mayHandOff() && (await this.#pipelineHasRoom()) ? await this.#claimFresh() : undefined);
      if (!claimed) return handled;
      this.#lastHandoff = Date.now();
      handled += await this.#handOff(claimed.rows, claimed.key);
    }
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.runOnce();
        if (Date.now() - this.#lastRetention > RETENTION_EVERY_MS) await this.#retention();
      } catch (error) {
        this.#log.warn({ err: error }, 'smpp forwarder: handoff failed; retried at the next poll');
        return;
      }
    } while (this.#again && !this.#stopped);
  }

  #mayHandOff(): boolean {
    const now = Date.now();
    const busy = now - this.#lastStored < this.#options.busyWindowMs;
    return !busy || now - this.#lastHandoff >= this.#options.busyIntervalMs;
  }

  async #pipelineHasRoom(): Promise<boolean> {
    return (await countDueMessages(this.#db, this.#options.maxDueMessages)) < this.#options.maxDueMessages;
  }

  /** A batch whose claim expired mid-handoff (a crash): the same rows, the same key. */
  async #claimStale(): Promise<{ rows: InboxRow[]; key: string } | undefined> {
    const [stale] = await this.#db.query<{ handoff_key: string }>('SELECT handoff_key FROM smpp_inbox WHERE handoff_key IS NOT NULL AND claimed_until < now() LIMIT 1');
    if (!stale) return undefined;
    const rows = await this.#db.query<InboxRow>(
      `UPDATE smpp_inbox SET claimed_until = now() + make_interval(secs => $2) WHERE handoff_key = $1 AND claimed_until < now() RETURNING ${COLUMNS}`,
      [stale.handoff_key, this.#options.claimSeconds],
    );
    return rows.length > 0 ? { rows, key: stale.handoff_key } : undefined;
  }

  /**
   * The oldest complete (or timed-out) groups of one tenant and account. Readiness is judged on the
   * oldest `SCAN_ROWS` waiting parts; claiming takes every part of the chosen groups, and the handoff
   * checks completeness again on what it claimed.
   */
  async #claimFresh(): Promise<{ rows: InboxRow[]; key: string } | undefined> {
    const ready = await this.#db.query<{ tenant_id: string; account_id: string; group_key: string }>(
      `WITH oldest AS (SELECT tenant_id, account_id, group_key, part_total, part_seq, received_at, seq FROM smpp_inbox WHERE handoff_key IS NULL ORDER BY seq LIMIT ${SCAN_ROWS})
       SELECT tenant_id, account_id, group_key FROM oldest GROUP BY tenant_id, account_id, group_key
       HAVING count(DISTINCT part_seq) >= max(part_total) OR min(received_at) < now() - make_interval(secs => $1)
       ORDER BY min(seq) LIMIT $2`,
      [this.#options.assemblyTimeoutMs / 1000, this.#options.batchSize],
    );
    const first = ready[0];
    if (!first) return undefined;
    const groupKeys = ready.filter((group) => group.tenant_id === first.tenant_id && group.account_id === first.account_id).map((group) => group.group_key);
    const key = `smpp:${first.account_id}:${randomBase62(16)}`;
    const rows = await this.#db.query<InboxRow>(
      `UPDATE smpp_inbox SET handoff_key = $4, claimed_until = now() + make_interval(secs => $5)
       WHERE tenant_id = $1 AND account_id = $2 AND group_key = ANY($3::text[]) AND handoff_key IS NULL RETURNING ${COLUMNS}`,
      [first.tenant_id, first.account_id, groupKeys, key, this.#options.claimSeconds],
    );
    return rows.length > 0 ? { rows, key } : undefined;
  }

  async #handOff(rows: InboxRow[], key: string): Promise<number> {
    const { tenant_id: tenantId, account_id: accountId } = rows[0]!;
    const groups = new Map<string, InboxRow[]>();
    for (const row of rows.sort((a, b) => a.seq - b.seq)) groups.set(row.group_key, [...(groups.get(row.group_key) ?? []), row]);
    const outcomes = new Map<InboxRow[], Outcome>();
    const complete: { rows: InboxRow[]; text: string }[] = [];
    for (const group of groups.values()) {
      const parts = partsOf(group);
      const missing = missingParts(parts);
      if (missing.length > 0) {
        const original = await this.#earlierMessage(group);
        outcomes.set(group, original ? { state: 'duplicate', messageId: original, textStart: null } : { state: 'rejected', error: `incomplete: part(s) ${missing.join(', ')} of ${group[0]!.part_total} never arrived` });
        continue;
      }
      const assembled = assembleText(parts);
      if (assembled.ok) complete.push({ rows: group, text: assembled.text });
      else outcomes.set(group, { state: 'rejected', error: assembled.reason });
    }
    if (complete.length > 0) {
      const handed = await this.#port.acceptFromSmpp(
        tenantId,
        complete.map(({ rows: group, text }) => ({
          to: group[0]!.recipient,
          from: group[0]!.sender,
          text,
          category: group[0]!.category,
          sendAt: group[0]!.send_at ?? undefined,
          partIds: group.map((row) => row.id),
        })),
        key,
      );
      handed.forEach((outcome, index) => {
        const { rows: group, text } = complete[index]!;
        outcomes.set(group, outcome.kind === 'accepted' ? { state: 'forwarded', messageId: outcome.messageId, textStart: [...text].slice(0, 20).join('') } : { state: 'rejected', error: outcome.reason });
      });
    }

    const moved = [...outcomes].flatMap(([group, outcome]) =>
      group.map((row) => ({
        id: row.id,
        state: outcome.state,
        message_id: outcome.state === 'rejected' ? null : outcome.messageId,
        text_start: outcome.state === 'rejected' ? null : outcome.textStart,
        error: outcome.state === 'rejected' ? outcome.error.slice(0, 1000) : null,
      })),
    );
    const refused = [...outcomes].filter(([, outcome]) => outcome.state === 'rejected');
    const resent = [...outcomes].flatMap(([group, outcome]) => (outcome.state === 'duplicate' ? group.map((row) => ({ partId: row.id, messageId: outcome.messageId })) : []));
    // Before the move: a crash in between replays the handoff, and linking again is harmless.
    if (resent.length > 0) await this.#port.linkParts(tenantId, resent);
    await this.#db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO smpp_submits (id, tenant_id, account_id, group_key, part_total, part_seq, source_addr, source_ton, source_npi, destination_addr, dest_ton, dest_npi,
           receipt, state, message_id, text_start, error, received_at)
         SELECT i.id, i.tenant_id, i.account_id, i.group_key, i.part_total, i.part_seq, i.source_addr, i.source_ton, i.source_npi, i.destination_addr, i.dest_ton, i.dest_npi,
           i.receipt, m.state, m.message_id, m.text_start, m.error, i.received_at
         FROM smpp_inbox i JOIN jsonb_to_recordset($2::jsonb) AS m(id text, state text, message_id text, text_start text, error text) ON m.id = i.id
         WHERE i.tenant_id = $1 AND i.handoff_key = $3
         ON CONFLICT (id) DO NOTHING`,
        [tenantId, JSON.stringify(moved), key],
      );
      await tx.query('DELETE FROM smpp_inbox WHERE tenant_id = $1 AND handoff_key = $2 AND id = ANY($3::text[])', [tenantId, key, moved.map((row) => row.id)]);
      await enqueueDeliveries(tx, refused.flatMap(([group]) => rejectionReceipts(group)));
    });
    if (refused.length > 0) {
      this.#log.warn({ accountId, refused: refused.map(([group, outcome]) => ({ ids: group.map((row) => row.id), reason: outcome.state === 'rejected' ? outcome.error : '' })) }, 'smpp: messages accepted over SMPP were refused by the hub');
      this.#onReceipts(accountId);
    }
    return groups.size;
  }

  /** The message an already-forwarded copy of these parts went into, if any (a resent part). */
  async #earlierMessage(group: InboxRow[]): Promise<string | undefined> {
    const first = group[0]!;
    const [row] = await this.#db.query<{ message_id: string }>(
      `SELECT message_id FROM smpp_submits WHERE account_id = $1 AND tenant_id = $2 AND group_key = $3 AND state = 'forwarded'
         AND part_seq = ANY($4::int[]) AND received_at > $5::timestamptz - make_interval(secs => $6) ORDER BY received_at DESC LIMIT 1`,
      [first.account_id, first.tenant_id, first.group_key, group.map((row) => row.part_seq), first.received_at, (2 * this.#options.assemblyTimeoutMs) / 1000],
    );
    return row?.message_id;
  }

  /** Handed-off parts and settled outbox rows past the retention: receipts for them have long been sent. */
  async #retention(): Promise<void> {
    this.#lastRetention = Date.now();
    const days = this.#options.retentionDays;
    await this.#db.query(
      `DELETE FROM smpp_submits WHERE id IN (SELECT id FROM smpp_submits WHERE received_at < now() - make_interval(days => $1) LIMIT 10000)`,
      [days],
    );
    await this.#db.query(
      `DELETE FROM smpp_outbox WHERE seq IN (SELECT seq FROM smpp_outbox WHERE state <> 'pending' AND created_at < now() - make_interval(days => $1) LIMIT 10000)`,
      [days],
    );
  }
}

/** REJECTD receipts for the parts of a refused message that asked for one (final or failure-only). */
function rejectionReceipts(group: InboxRow[]): OutboxEntry[] {
  const now = new Date();
  return group
    .filter((row) => row.receipt !== 'none')
    .map((row) => ({
      tenantId: row.tenant_id,
      accountId: row.account_id,
      kind: 'receipt',
      dedupeKey: `receipt:${row.id}`,
      pdu: receiptPdu({
        id: row.id,
        sourceAddr: row.source_addr,
        sourceTon: row.source_ton,
        sourceNpi: row.source_npi,
        destinationAddr: row.destination_addr,
        destTon: row.dest_ton,
        destNpi: row.dest_npi,
        submittedAt: row.received_at,
        doneAt: now,
        status: 'rejected',
        errorCode: HubErrorCode.refusedText,
        text: '',
      }),
    }));
}
