/**
 * The durable side of submit_sm: every accepted part is durable before its submit_sm_resp leaves, so
 * an acknowledged message survives a crash. Two ways, by store:
 * - PostgreSQL: committed in `smpp_inbox`; concurrent submit_sm (a window of 10 to 100 per session,
 *   several sessions) share one multi-row INSERT (group commit), a few commits overlapping.
 * - embedded (PGlite): appended to the submit journal in the data folder, which moves parts into
 *   `smpp_inbox` in large batches right after (submit-journal.ts says why).
 */
import type { Logger } from 'pino';
import { newMessageId } from '../../ids.ts';
import type { Db } from '../../store/db.ts';
import { GroupCommit } from '../../store/group-commit.ts';
import { existingTenants } from '../../tenancy/tenants.ts';
import type { SubmitPart } from './submit-part.ts';
import { SubmitJournal } from './submit-journal.ts';

/** The columns of an inbox row that read and write sides share (addresses and part numbering). */
export interface InboxPartColumns {
  id: string;
  tenant_id: string;
  account_id: string;
  group_key: string;
  part_total: number;
  part_seq: number;
  source_addr: string;
  source_ton: number;
  source_npi: number;
  destination_addr: string;
  dest_ton: number;
  dest_npi: number;
  sender: string;
  recipient: string;
  data_coding: number;
}

/** The write side: JSON for `jsonb_to_recordset`, so bytes travel as base64 and dates as ISO text. */
interface Row extends InboxPartColumns {
  category: string;
  user_data: string;
  receipt: string;
  send_at: string | null;
  received_at: string;
}

/**
 * Inserts the rows not stored yet: an id already in the inbox or already handed off (`smpp_submits`)
 * is skipped, and so is a part of a tenant deleted meanwhile (journaled before the deletion), which
 * would otherwise fail its whole batch for every tenant. A tenant deleted between the two statements
 * fails the batch on its foreign key, as it could fail one statement: the parts are retried (the ESME
 * is told to resend, the journal stores again) and skipped then.
 */
async function insertRows(db: Db, rows: Row[]): Promise<boolean[]> {
  const tenants = await existingTenants(db, [...new Set(rows.map((row) => row.tenant_id))]);
  const kept = rows.filter((row) => tenants.has(row.tenant_id));
  if (kept.length === 0) return rows.map(() => false);
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO smpp_inbox (id, tenant_id, account_id, group_key, part_total, part_seq, source_addr, source_ton, source_npi, destination_addr, dest_ton, dest_npi,
       sender, recipient, category, data_coding, user_data, receipt, send_at, received_at)
     SELECT r.id, r.tenant_id, r.account_id, r.group_key, r.part_total, r.part_seq, r.source_addr, r.source_ton, r.source_npi, r.destination_addr, r.dest_ton, r.dest_npi,
       r.sender, r.recipient, r.category, r.data_coding, decode(r.user_data, 'base64'), r.receipt, r.send_at, r.received_at
     FROM jsonb_to_recordset($1::jsonb) AS r(id text, tenant_id text, account_id text, group_key text, part_total int, part_seq int, source_addr text, source_ton int,
       source_npi int, destination_addr text, dest_ton int, dest_npi int, sender text, recipient text, category text, data_coding int, user_data text, receipt text,
       send_at timestamptz, received_at timestamptz)
     WHERE NOT EXISTS (SELECT 1 FROM smpp_submits s WHERE s.id = r.id)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [JSON.stringify(kept)],
  );
  const ids = new Set(inserted.map((row) => row.id));
  return rows.map((row) => ids.has(row.id));
}

export interface SubmitInboxOptions {
  /** Embedded store: the submit journal's folder (in the data folder). Without it, parts are committed directly. */
  journalDir?: string;
  log: Logger;
  maxBatch?: number;
  /** Direct commits in flight at once (PostgreSQL overlaps them on pooled connections). */
  concurrency?: number;
}

export class SubmitInbox {
  readonly #store: (row: Row) => Promise<boolean>;
  /** Resolves once every part accepted so far is in `smpp_inbox`. */
  readonly #drain: () => Promise<void>;
  readonly #journal: SubmitJournal<Row> | undefined;
  readonly #listeners: (() => void)[] = [];

  constructor(db: Db, options: SubmitInboxOptions) {
    if (options.journalDir === undefined) {
      const commit = new GroupCommit<Row, boolean>((rows) => insertRows(db, rows), options.maxBatch ?? 500, { concurrency: options.concurrency ?? 1 });
      this.#store = async (row) => {
        const stored = await commit.push(row);
        if (stored) this.#stored();
        return stored;
      };
      this.#drain = () => commit.flush();
    } else {
      const journal = new SubmitJournal<Row>({
        dir: options.journalDir,
        log: options.log,
        // A replay may hold rows stored before the crash: insertRows skips them.
        store: async (rows) => void (await insertRows(db, rows)),
        onStored: () => this.#stored(),
      });
      this.#journal = journal;
      // Ids are 10 random alphanumerics: a journaled id is taken to be unused (a clash is skipped at insert).
      this.#store = async (row) => {
        await journal.append(row);
        return true;
      };
      this.#drain = () => journal.close();
    }
  }

  /** Replays what a crash left in the journal (embedded store). Call before accepting. */
  async open(): Promise<void> {
    await this.#journal?.open();
  }

  /** Called after parts reached `smpp_inbox` (the forwarder wakes up). */
  onStored(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Stores the part; resolves with its message id (10 alphanumerics) once it is durable. */
  async accept(tenantId: string, accountId: string, part: SubmitPart): Promise<string> {
    for (;;) {
      const id = newMessageId();
      const stored = await this.#store({
        id,
        tenant_id: tenantId,
        account_id: accountId,
        group_key: part.groupKey ?? id,
        part_total: part.partTotal,
        part_seq: part.partSeq,
        source_addr: part.sourceAddr,
        source_ton: part.sourceTon,
        source_npi: part.sourceNpi,
        destination_addr: part.destinationAddr,
        dest_ton: part.destTon,
        dest_npi: part.destNpi,
        sender: part.sender,
        recipient: part.recipient,
        category: part.category,
        data_coding: part.dataCoding,
        user_data: part.userData.toString('base64'),
        receipt: part.receipt,
        send_at: part.sendAt?.toISOString() ?? null,
        received_at: new Date().toISOString(),
      });
      if (stored) return id;
      // 62^10 ids: a collision is all but impossible, and costs only a new id.
    }
  }

  /** Durable but not yet in `smpp_inbox` (journaled): query_sm answers for it as accepted. */
  holds(tenantId: string, accountId: string, id: string): boolean {
    return this.#journal?.holds(tenantId, accountId, id) ?? false;
  }

  /** Everything accepted so far is in `smpp_inbox` (the journal emptied and closed). */
  close(): Promise<void> {
    return this.#drain();
  }

  #stored(): void {
    for (const listener of this.#listeners) listener();
  }
}
