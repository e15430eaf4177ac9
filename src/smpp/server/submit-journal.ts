/**
 * The embedded store's fast durable write for submit_sm. PGlite runs one statement at a time in the
 * hub's own thread and a multi-row INSERT costs it 50–150 µs a row, so inserting each part before its
 * submit_sm_resp held the server to a quarter of a bare SMPP server's rate (docs/benchmarks.md).
 *
 * Here a part is appended to a journal file in the data folder (one write() for all the parts that
 * arrived in the same turn of the event loop) and its submit_sm_resp leaves at once; a mover then
 * copies journaled parts into `smpp_inbox` in batches and deletes the journal segments it has
 * emptied. PGlite's statements run in this thread and block it, so the mover waits for a pause in
 * the flow (`idleMs`), for `moveAt` waiting parts or for the oldest to be `maxDelayMs` old: a burst
 * (a campaign's send) is acknowledged at the journal's pace and moved right after it, a steady flow
 * is moved in batches at least every `maxDelayMs`, and a flow above what the database takes is
 * slowed down to its pace (the backlog is capped at `maxUnstored`, over which the ESME is told to
 * retry). A crash between the two leaves segments behind: `open()` replays them at the next start,
 * and the insert skips parts already in `smpp_inbox` or already handed off (`smpp_submits`), so a
 * part is neither lost nor handed off twice.
 *
 * Durability is the embedded store's own: PGlite on Node writes its files without fsync, and so does
 * the journal: both survive a crash of the hub (SIGKILL, out of memory), not a power cut. With
 * PostgreSQL there is no journal (parts go straight to the database, which fsyncs its commits).
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** A journaled part: whatever the inbox stores, with its id. */
export interface JournalRow {
  id: string;
  tenant_id: string;
  account_id: string;
}

export interface JournalOptions<Row extends JournalRow> {
  dir: string;
  /** Stores rows in the database; must skip rows stored before (a replay after a crash). */
  store: (rows: Row[]) => Promise<void>;
  /** Called after each batch reached the database (the forwarder wakes up). */
  onStored: () => void;
  log: Logger;
  /** Over this many parts waiting for the database, `append` refuses (the ESME is told to retry). */
  maxUnstored?: number;
  /** Rows per INSERT when moving (each INSERT holds the thread: keep it to tens of milliseconds). */
  moveBatch?: number;
  /** Move once no part arrived for this long… */
  idleMs?: number;
  /** …or once this many wait… */
  moveAt?: number;
  /** …or once the oldest waiting part is this old. */
  maxDelayMs?: number;
}

const SEGMENT = /^(\d{12})\.jsonl$/;
const segmentName = (number: number) => `${String(number).padStart(12, '0')}.jsonl`;

export class JournalFullError extends Error {
  constructor(waiting: number) {
    super(`${waiting} journaled submit_sm are waiting for the database`);
  }
}

interface Pending<Row> {
  row: Row;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SubmitJournal<Row extends JournalRow> {
  readonly #options: Required<JournalOptions<Row>>;
  /** Written to the current segment by the next flush. */
  #pending: Pending<Row>[] = [];
  #flushScheduled = false;
  /** Journaled, not yet in the database, by id. */
  readonly #unstored = new Map<string, Row>();
  /** Segment numbers holding rows not yet in the database (all but the current one once rotated). */
  #sealed: number[] = [];
  #segment = 0;
  #fd: number | undefined;
  #offset = 0;
  #moving: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  /** When the oldest row not yet in the database was journaled. */
  #oldestAt = 0;
  #closed = false;

  constructor(options: JournalOptions<Row>) {
    this.#options = { maxUnstored: 100_000, moveBatch: 500, idleMs: 20, moveAt: 50_000, maxDelayMs: 5_000, ...options };
  }

  /** Replays what a crash left in the journal, then opens a fresh segment. */
  async open(): Promise<void> {
    mkdirSync(this.#options.dir, { recursive: true });
    const segments = readdirSync(this.#options.dir)
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((number): number is string => number !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    let replayed = 0;
    for (const number of segments) {
      const rows = this.#read(number);
      for (let from = 0; from < rows.length; from += this.#options.moveBatch) await this.#options.store(rows.slice(from, from + this.#options.moveBatch));
      replayed += rows.length;
      unlinkSync(join(this.#options.dir, segmentName(number)));
    }
    if (replayed > 0) {
      this.#options.log.info({ parts: replayed, segments: segments.length }, 'smpp: journaled submit_sm replayed into the inbox');
      this.#options.onStored();
    }
    this.#segment = (segments.at(-1) ?? 0) + 1;
    this.#openSegment();
  }

  /** Resolves once the row is in the journal (durable); it reaches the database shortly after. */
  append(row: Row): Promise<void> {
    if (this.#closed || this.#fd === undefined) return Promise.reject(new Error('the submit journal is not open'));
    if (this.#unstored.size + this.#pending.length >= this.#options.maxUnstored) return Promise.reject(new JournalFullError(this.#unstored.size));
    return new Promise((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // Every submit_sm decoded in this turn of the event loop (a socket read holds many) shares one write.
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Journaled but not yet in the database: query_sm answers for it as accepted. */
  holds(tenantId: string, accountId: string, id: string): boolean {
    const row = this.#unstored.get(id);
    return row !== undefined && row.tenant_id === tenantId && row.account_id === accountId;
  }

  /** Writes what is pending, moves everything into the database and removes the journal's files. */
  async close(): Promise<void> {
    if (this.#closed || this.#fd === undefined) return;
    this.#flush();
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#idleTimer);
    await this.#moving;
    let before = Infinity;
    // Each pass stores what it found; stop when one stores nothing (the database refuses).
    while (this.#unstored.size > 0 && this.#unstored.size < before) {
      before = this.#unstored.size;
      await this.#move();
    }
    if (this.#unstored.size > 0) {
      // The database refused them: the files stay, and the next start replays them.
      this.#options.log.error({ waiting: this.#unstored.size }, 'smpp: journaled submit_sm left in the journal for the next start');
      return;
    }
    closeSync(this.#fd!);
    this.#fd = undefined;
    unlinkSync(join(this.#options.dir, segmentName(this.#segment)));
  }

  #openSegment(): void {
    this.#fd = openSync(join(this.#options.dir, segmentName(this.#segment)), 'a');
    this.#offset = 0;
  }

  #read(number: number): Row[] {
    const rows: Row[] = [];
    let torn = 0;
    for (const line of readFileSync(join(this.#options.dir, segmentName(number)), 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        rows.push(JSON.parse(line) as Row);
      } catch {
        // Only the last write of a crashed process can be cut short, and its parts were never acknowledged.
        torn++;
      }
    }
    if (torn > 0) this.#options.log.warn({ segment: number, lines: torn }, 'smpp: unreadable journal lines skipped (a write cut short by a crash)');
    return rows;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending.splice(0);
    if (batch.length === 0 || this.#fd === undefined) return;
    const bytes = Buffer.from(batch.map((pending) => `${JSON.stringify(pending.row)}\n`).join(''));
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.#fd, bytes, written, bytes.length - written);
      this.#offset += bytes.length;
    } catch (error) {
      // Nothing of this batch may replay later: its senders are told to send again.
      try {
        ftruncateSync(this.#fd, this.#offset);
      } catch {
        // The partial line is skipped as torn at replay.
      }
      for (const pending of batch) pending.reject(error);
      return;
    }
    if (this.#unstored.size === 0) this.#oldestAt = Date.now();
    for (const { row } of batch) this.#unstored.set(row.id, row);
    for (const pending of batch) pending.resolve();
    this.#scheduleMove();
  }

  #scheduleMove(): void {
    if (this.#moving || this.#closed) return;
    clearTimeout(this.#idleTimer);
    if (this.#unstored.size >= this.#options.moveAt || Date.now() - this.#oldestAt >= this.#options.maxDelayMs) {
      this.#moving = this.#move();
      return;
    }
    this.#idleTimer = setTimeout(() => (this.#moving ??= this.#move()), this.#options.idleMs);
  }

  /** Moves the journaled rows into the database, then deletes the segments that held them. */
  async #move(): Promise<void> {
    // Always settle after `#moving` is assigned, even with nothing to move.
    await null;
    let failed = false;
    try {
      // Rows from now on go to a new segment, so the sealed ones can go once their rows are stored.
      if (this.#offset > 0) {
        closeSync(this.#fd!);
        this.#sealed.push(this.#segment);
        this.#segment++;
        this.#openSegment();
      }
      const rows = [...this.#unstored.values()];
      this.#oldestAt = Date.now();
      for (let from = 0; from < rows.length; from += this.#options.moveBatch) {
        const chunk = rows.slice(from, from + this.#options.moveBatch);
        await this.#options.store(chunk);
        for (const row of chunk) this.#unstored.delete(row.id);
        this.#options.onStored();
      }
      for (const number of this.#sealed.splice(0)) unlinkSync(join(this.#options.dir, segmentName(number)));
    } catch (error) {
      failed = true;
      this.#options.log.error({ err: error, waiting: this.#unstored.size }, 'smpp: journaled submit_sm could not be stored; retrying in 1 s');
      clearTimeout(this.#retryTimer);
      if (!this.#closed) this.#retryTimer = setTimeout(() => (this.#moving ??= this.#move()), 1_000);
    } finally {
      this.#moving = undefined;
    }
    // What arrived meanwhile waits for the next pause, batch size or age.
    if (!failed && this.#unstored.size > 0) this.#scheduleMove();
  }
}
