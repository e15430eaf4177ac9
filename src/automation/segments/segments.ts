/**
 * Segments at work: membership refreshed on a schedule and on demand, in chunks of contacts (each
 * chunk one statement and one batched write, the event loop let go between chunks, so a refresh of
 * 100,000 contacts never holds the API), with a `segment.entered` / `segment.exited` event for every
 * change after the first fill; live checks for scenario conditions; a contact's scores.
 */
import type { Logger } from 'pino';
import type { ContactService, EventPublisher } from '../../contacts/contacts.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { Db } from '../../store/db.ts';
import { ConflictError, notFound } from '../../errors.ts';
import { durationMs } from '../duration.ts';
import { liveScenariosUsing } from '../segment-references.ts';
import { tenantBoundaries, type Boundaries } from './boundaries.ts';
import { DEFAULT_CHUNK_SIZING, nextChunkSize, runChunk, type ChunkSizing } from './chunk-plan.ts';
import { rfmGroup, type CustomerTier, type RfmGroup, type ValueTier } from './rfm.ts';
import { segmentSettings } from './score-settings.ts';
import type { SegmentInput } from './segment.ts';
import { chunkChangesQuery, chunkMembersQuery, contactMatchQuery, scoresQuery, usesScores, type FilterQuery, type ScoreContext } from './segment-sql.ts';
import {
  deleteSegment,
  getSegment,
  insertSegment,
  listSegments,
  markRefreshed,
  recordMemberships,
  updateSegment,
  type Segment,
} from './segment-store.ts';

const REFRESH_JOB = 'automation.segments.refresh';
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

export interface RfmScore {
  recency: number;
  frequency: number;
  monetary: number;
  code: string;
  group: RfmGroup;
  valueTier: ValueTier;
  customerTier: CustomerTier;
  orders: number;
  spent: number;
  averageBasket: number | null;
  lastPurchaseAt: string;
  /** Which rule scored: quintiles among the tenant's buyers, or its fixed thresholds (too few buyers). */
  rule: Boundaries['rule'];
  buyers: number;
}

export interface SegmentsOptions {
  db: Db;
  queue: JobQueue;
  publisher: EventPublisher;
  contacts: Pick<ContactService, 'getContact'>;
  log: Logger;
  clock: () => Date;
  refreshEveryMs?: number;
  /** Contacts per chunk statement (default DEFAULT_CHUNK_SIZING; tests fix small chunks). */
  chunks?: ChunkSizing;
}

export class Segments {
  readonly #options: SegmentsOptions;

  constructor(options: SegmentsOptions) {
    this.#options = options;
  }

  // ---- CRUD ----

  async create(tenantId: string, input: SegmentInput): Promise<Segment> {
    const segment = await insertSegment(this.#options.db, tenantId, input);
    await this.refresh(segment);
    return (await getSegment(this.#options.db, tenantId, segment.id))!;
  }

  async update(tenantId: string, id: string, input: SegmentInput): Promise<Segment | undefined> {
    const segment = await updateSegment(this.#options.db, tenantId, id, input);
    if (!segment) return undefined;
    await this.refresh(segment);
    return getSegment(this.#options.db, tenantId, id);
  }

  get(tenantId: string, id: string): Promise<Segment | undefined> {
    return getSegment(this.#options.db, tenantId, id);
  }

  list(tenantId: string, page: { beforeSeq?: number | undefined; limit: number }): Promise<Segment[]> {
    return listSegments(this.#options.db, tenantId, page);
  }

  /** Refused (ConflictError naming them) while a live scenario names the segment: it would silently never fire again. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const using = await liveScenariosUsing(this.#options.db, tenantId, id);
    if (using.length > 0) {
      const names = using.map((scenario) => `"${scenario.name}" (${scenario.id})`).join(', ');
      throw new ConflictError(`Segment ${id} is used by ${using.length === 1 ? 'the live scenario' : 'the live scenarios'} ${names}: archive them or remove the segment from them first.`);
    }
    return deleteSegment(this.#options.db, tenantId, id);
  }

  // ---- membership ----

  /** What the filter's scores are ranged against (undefined when it reads none): computed once per tenant and window, stored, shared. */
  async #scores(segment: Pick<Segment, 'tenantId' | 'filter' | 'rfmWindow'>, now: Date): Promise<ScoreContext | undefined> {
    if (!usesScores(segment.filter)) return undefined;
    const { db } = this.#options;
    return {
      boundaries: await tenantBoundaries(db, segment.tenantId, segment.rfmWindow, durationMs(segment.rfmWindow), now, this.#options.chunks),
      settings: await segmentSettings(db, segment.tenantId),
    };
  }

  async #query(segment: Pick<Segment, 'tenantId' | 'filter' | 'rfmWindow'>, now: Date): Promise<FilterQuery> {
    return { tenantId: segment.tenantId, filter: segment.filter, now, rfmWindowMs: durationMs(segment.rfmWindow), scores: await this.#scores(segment, now) };
  }

  /**
   * The rows of a chunk statement (chunkChangesQuery, chunkMembersQuery) for each chunk of the tenant's
   * contacts in id order, each chunk sized to hold the store briefly, the event loop let go in between.
   */
  async *#chunks<Row>(statement: (after: string, limit: number) => { text: string; params: unknown[] }): AsyncGenerator<Row[]> {
    const sizing = this.#options.chunks ?? DEFAULT_CHUNK_SIZING;
    let limit = Math.min(sizing.max, Math.max(sizing.min, 1_000));
    for (let after = ''; ; ) {
      const started = performance.now();
      const rows = await runChunk<Row & { upto: string | null; size: number }>(this.#options.db, statement(after, limit));
      const elapsed = performance.now() - started;
      const [first] = rows;
      if (!first?.upto) return;
      yield rows;
      if (first.size < limit) return;
      after = first.upto;
      limit = nextChunkSize(sizing, limit, elapsed);
      await yieldToOthers();
    }
  }

  /**
   * Brings the stored members in line with the filter, a chunk of contacts at a time: one statement per
   * chunk compares the chunk's matching contacts with its stored members and answers only the changes.
   * The first fill of a new segment is silent; afterwards each change publishes its event first (dedupe
   * key: segment, contact, change number) and is recorded second, so a crash in between publishes the
   * same event again, absorbed by the bus.
   */
  async refresh(segment: Segment): Promise<{ entered: number; exited: number; members: number }> {
    const { db, clock, publisher } = this.#options;
    const now = clock();
    const silent = segment.refreshedAt === null;
    const query = await this.#query(segment, now);
    let entered = 0;
    let exited = 0;
    let members = 0;
    for await (const rows of this.#chunks<{ matched: number; contact_id: string | null; member: boolean; transitions: number }>((after, limit) => chunkChangesQuery(query, segment.id, after, limit))) {
      members += rows[0]!.matched;
      const changes = rows.filter((row) => row.contact_id !== null).map((row) => ({ contactId: row.contact_id!, member: row.member, transitions: row.transitions }));
      if (!silent) {
        await Promise.all(
          changes.map((change) =>
            publisher.publish({
              tenantId: segment.tenantId,
              source: 'segments',
              type: change.member ? 'segment.entered' : 'segment.exited',
              dedupeKey: `segment:${segment.id}:${change.contactId}:${change.transitions + 1}`,
              subject: { contactId: change.contactId },
              data: { segmentId: segment.id, segmentName: segment.name, contactId: change.contactId },
            }),
          ),
        );
      }
      const recorded = await recordMemberships(db, segment, changes, now);
      for (const change of changes) {
        if (!recorded.has(change.contactId)) continue;
        if (change.member) entered++;
        else exited++;
      }
    }
    await markRefreshed(db, segment.id, now);
    return { entered, exited, members };
  }

  /** Every segment of every tenant (the scheduled job). */
  async refreshAll(): Promise<void> {
    let beforeSeq: number | undefined;
    for (;;) {
      const page = await listSegments(this.#options.db, undefined, { beforeSeq, limit: 100 });
      for (const segment of page) {
        try {
          await this.refresh(segment);
        } catch (error) {
          this.#options.log.error({ err: error, segmentId: segment.id }, 'segment refresh failed');
        }
      }
      if (page.length < 100) return;
      beforeSeq = page.at(-1)!.seq;
    }
  }

  /** The contacts matching the segment's filter now (a campaign's audience when it starts); undefined when there is no such segment. */
  async evaluate(tenantId: string, segmentId: string): Promise<string[] | undefined> {
    const segment = await getSegment(this.#options.db, tenantId, segmentId);
    if (!segment) return undefined;
    const query = await this.#query(segment, this.#options.clock());
    const members: string[] = [];
    for await (const rows of this.#chunks<{ id: string | null }>((after, limit) => chunkMembersQuery(query, after, limit))) {
      for (const row of rows) if (row.id !== null) members.push(row.id);
    }
    return members;
  }

  /** Whether a contact matches the segment's filter now (scenario conditions: live, not the last refresh). */
  async contains(tenantId: string, segmentId: string, contactId: string): Promise<boolean> {
    const segment = await getSegment(this.#options.db, tenantId, segmentId);
    if (!segment) return false;
    const match = contactMatchQuery(await this.#query(segment, this.#options.clock()), contactId);
    return (await this.#options.db.query(match.text, match.params)).length === 1;
  }

  /** A contact's scores over the window; undefined without a purchase in it; NotFoundError for no such contact. */
  async rfmOf(tenantId: string, contactId: string, window = '365d'): Promise<RfmScore | undefined> {
    const { db, clock, contacts } = this.#options;
    if (!(await contacts.getContact(tenantId, contactId))) throw notFound('contact', contactId);
    const now = clock();
    const scores = (await this.#scores({ tenantId, rfmWindow: window, filter: { kind: 'rfm', codes: ['555'] } }, now))!;
    const query = scoresQuery({ tenantId, now, rfmWindowMs: durationMs(window), scores }, contactId);
    const [row] = await db.query<{ code: number; value_tier: ValueTier; customer_tier: CustomerTier; orders: number; spent: number; basket: number | null; last_at: Date }>(query.text, query.params);
    if (!row) return undefined;
    const [r, f, m] = String(row.code).split('').map(Number) as [number, number, number];
    return {
      recency: r,
      frequency: f,
      monetary: m,
      code: String(row.code),
      group: rfmGroup(r, f, m),
      valueTier: row.value_tier,
      customerTier: row.customer_tier,
      orders: row.orders,
      spent: Number(row.spent),
      averageBasket: row.basket === null ? null : Number(row.basket),
      lastPurchaseAt: row.last_at.toISOString(),
      rule: scores.boundaries.rule,
      buyers: scores.boundaries.buyers,
    };
  }

  async startWorkers(): Promise<void> {
    const { queue } = this.#options;
    queue.process(REFRESH_JOB, async () => this.refreshAll(), { concurrency: 1 });
    await queue.schedule('automation.segments.refresh', REFRESH_JOB, this.#options.refreshEveryMs ?? 5 * 60_000);
  }
}
