import type { Db } from '../store/db.ts';
import { EVENT_COLUMNS, toEvent, type EventRow } from './event-store.ts';
import type { TriggerEvent } from './trigger-event.ts';

/**
 * Reads a tenant's new events in order for a live stream, from the events table, so a stream sees
 * the events every process of the hub stores (not only this one's).
 *
 * `seq` is given at insert but transactions commit in any order, so an event with a lower seq can
 * become visible after a higher one: the reader does not move its floor past an event until that
 * event is 5 s old (SETTLE_MS), re-reads above the floor, and skips what it already sent. Gaps in
 * `seq` are normal (a duplicate event uses a number and stores nothing).
 */
const SETTLE_MS = 5_000;
const BATCH = 200;

export interface StreamFilter {
  tenantId: string;
  types: string[];
  sources: string[];
}

export class EventStreamReader {
  readonly #db: Db;
  readonly #filter: StreamFilter;
  #floor: number;
  /** Sent events above the floor: seq → when the event was stored. */
  readonly #sent = new Map<number, number>();

  private constructor(db: Db, filter: StreamFilter, floor: number) {
    this.#db = db;
    this.#filter = filter;
    this.#floor = floor;
  }

  /** From now on, or after `lastEventId` (the seq an EventSource resends as Last-Event-ID when it reconnects). */
  static async open(db: Db, filter: StreamFilter, lastEventId?: number): Promise<EventStreamReader> {
    if (lastEventId !== undefined) return new EventStreamReader(db, filter, lastEventId);
    const [row] = await db.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM events WHERE tenant_id = $1', [filter.tenantId]);
    return new EventStreamReader(db, filter, Number(row?.seq ?? 0));
  }

  /** The events not sent yet, oldest first. */
  async next(): Promise<(TriggerEvent & { seq: number })[]> {
    const params: unknown[] = [this.#filter.tenantId, this.#floor];
    let where = 'tenant_id = $1 AND seq > $2';
    if (this.#filter.types.length > 0) where += ` AND type = ANY($${params.push(this.#filter.types)}::text[])`;
    if (this.#filter.sources.length > 0) where += ` AND source = ANY($${params.push(this.#filter.sources)}::text[])`;
    if (this.#sent.size > 0) where += ` AND NOT (seq = ANY($${params.push([...this.#sent.keys()])}::bigint[]))`;
    const rows = await this.#db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY seq LIMIT ${BATCH}`, params);
    const fresh = rows.map((row) => {
      const event = toEvent(row);
      const seq = Number(event.seq);
      this.#sent.set(seq, event.receivedAt.getTime());
      return { ...event, seq };
    });
    // Events stored more than SETTLE_MS ago are final: nothing below them is still to commit.
    const settled = Date.now() - SETTLE_MS;
    for (const [seq, storedAt] of this.#sent) if (storedAt < settled && seq > this.#floor) this.#floor = seq;
    for (const seq of this.#sent.keys()) if (seq <= this.#floor) this.#sent.delete(seq);
    return fresh;
  }
}
