/**
 * Segments at work: purchases recorded from `order.created` (a subscriber source of the bus, so
 * behaviour filters and RFM have data), membership refreshed on a schedule and on demand, with a
 * `segment.entered` / `segment.exited` event for every change after the first fill, and live
 * checks for scenario conditions.
 */
import type { Logger } from 'pino';
import type { ContactService, EventPublisher } from '../../contacts/contacts.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { Db } from '../../store/db.ts';
import { ConflictError, notFound } from '../../errors.ts';
import { durationMs } from '../duration.ts';
import { liveScenariosUsing } from '../segment-references.ts';
import { rfmGroup, type RfmGroup, type ValueTier } from './rfm.ts';
import type { SegmentInput } from './segment.ts';
import { membersQuery, rfmCte } from './segment-sql.ts';
import {
  deleteSegment,
  getSegment,
  insertSegment,
  listSegments,
  markRefreshed,
  membershipStates,
  recordMembership,
  updateSegment,
  type Segment,
} from './segment-store.ts';

const REFRESH_JOB = 'automation.segments.refresh';

export interface RfmScore {
  recency: number;
  frequency: number;
  monetary: number;
  code: string;
  group: RfmGroup;
  valueTier: ValueTier;
  orders: number;
  spent: number;
  lastPurchaseAt: string;
}

export interface SegmentsOptions {
  db: Db;
  queue: JobQueue;
  publisher: EventPublisher;
  contacts: Pick<ContactService, 'getContact'>;
  log: Logger;
  clock: () => Date;
  refreshEveryMs?: number;
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

  /**
   * Brings the stored members in line with the filter. The first fill of a new segment is silent;
   * afterwards each change publishes its event first (dedupe key: segment, contact, change number)
   * and is recorded second, so a crash in between publishes the same event again, absorbed by the bus.
   */
  async refresh(segment: Segment): Promise<{ entered: number; exited: number; members: number }> {
    const { db, clock, publisher } = this.#options;
    const now = clock();
    const query = membersQuery(segment.tenantId, segment.filter, now, durationMs(segment.rfmWindow));
    const matching = new Set((await db.query<{ id: string }>(query.text, query.params)).map((row) => row.id));
    const states = await membershipStates(db, segment.id);
    const silent = segment.refreshedAt === null;
    let entered = 0;
    let exited = 0;
    const change = async (contactId: string, member: boolean, transitions: number) => {
      if (!silent) {
        await publisher.publish({
          tenantId: segment.tenantId,
          source: 'segments',
          type: member ? 'segment.entered' : 'segment.exited',
          dedupeKey: `segment:${segment.id}:${contactId}:${transitions + 1}`,
          subject: { contactId },
          data: { segmentId: segment.id, segmentName: segment.name, contactId },
        });
      }
      if (await recordMembership(db, segment, contactId, member, transitions, now)) {
        if (member) entered++;
        else exited++;
      }
    };
    for (const contactId of matching) {
      const state = states.get(contactId);
      if (!state?.member) await change(contactId, true, state?.transitions ?? 0);
    }
    for (const [contactId, state] of states) if (state.member && !matching.has(contactId)) await change(contactId, false, state.transitions);
    await markRefreshed(db, segment.id, now);
    return { entered, exited, members: matching.size };
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
    const query = membersQuery(tenantId, segment.filter, this.#options.clock(), durationMs(segment.rfmWindow));
    return (await this.#options.db.query<{ id: string }>(query.text, query.params)).map((row) => row.id);
  }

  /** Whether a contact matches the segment's filter now (scenario conditions: live, not the last refresh). */
  async contains(tenantId: string, segmentId: string, contactId: string): Promise<boolean> {
    const segment = await getSegment(this.#options.db, tenantId, segmentId);
    if (!segment) return false;
    const query = membersQuery(tenantId, segment.filter, this.#options.clock(), durationMs(segment.rfmWindow), contactId);
    return (await this.#options.db.query(query.text, query.params)).length === 1;
  }

  /** A contact's RFM scores among the tenant's buyers over the window; undefined without a purchase in it; NotFoundError for no such contact. */
  async rfmOf(tenantId: string, contactId: string, window = '365d'): Promise<RfmScore | undefined> {
    if (!(await this.#options.contacts.getContact(tenantId, contactId))) throw notFound('contact', contactId);
    const now = this.#options.clock();
    const [row] = await this.#options.db.query<{ r: number; f: number; m: number; code: string; rfm_group: RfmGroup; value_tier: ValueTier; frequency: number; monetary: number; last_at: Date }>(
      `WITH ${rfmCte('$1', '$2::timestamptz', '$3::timestamptz')} SELECT * FROM rfm WHERE contact_id = $4`,
      [tenantId, new Date(now.getTime() - durationMs(window)), now, contactId],
    );
    if (!row) return undefined;
    return {
      recency: row.r,
      frequency: row.f,
      monetary: row.m,
      code: row.code,
      group: rfmGroup(row.r, row.f, row.m),
      valueTier: row.value_tier,
      orders: row.frequency,
      spent: row.monetary,
      lastPurchaseAt: row.last_at.toISOString(),
    };
  }

  async startWorkers(): Promise<void> {
    const { queue } = this.#options;
    queue.process(REFRESH_JOB, async () => this.refreshAll(), { concurrency: 1 });
    await queue.schedule('automation.segments.refresh', REFRESH_JOB, this.#options.refreshEveryMs ?? 5 * 60_000);
  }
}
