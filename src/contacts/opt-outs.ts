import type { Logger } from 'pino';
import type { EventSubject } from '../bus/trigger-event.ts';
import type { Db, Sql } from '../store/db.ts';
import { recordConsent } from './consent.ts';
import { contactIdBy } from './contact-store.ts';
import type { EventPublisher } from './contacts.ts';
import { ContactInputError } from './errors.ts';
import { normalizePhone } from './phone.ts';
import { retryOnRace, StaleReadError } from './retry.ts';
import { EmailSchema, isFuture, type Channel } from './schemas.ts';
import { tenantPhoneRegion } from './tenant-region.ts';

/**
 * How long a lifted opt-out is kept: the CNIL's guidance on prospecting keeps the proof that a
 * person objected for 3 years (délibération 2020-092, référentiel "gestion commerciale"), so an
 * opt-in marks the row as lifted and only `purgeExpired` deletes it, 3 years after the lift.
 * Active opt-outs are never purged.
 */
export const OPT_OUT_RETENTION_YEARS = 3;

export interface OptOut {
  channel: Channel;
  /** E.164 phone for sms, lower-cased email for email. */
  address: string;
  at: Date;
  /** "sms-keyword:STOP", "email-one-click", "api", "woocommerce"… */
  source: string;
  reason: string | null;
  liftedAt: Date | null;
  liftedSource: string | null;
  seq: number;
}

type OptOutRow = { seq: number; channel: Channel; address: string; at: Date; source: string; reason: string | null; lifted_at: Date | null; lifted_source: string | null };

const COLUMNS = 'seq, channel, address, at, source, reason, lifted_at, lifted_source';

const toOptOut = (row: OptOutRow): OptOut => ({
  channel: row.channel,
  address: row.address,
  at: row.at,
  source: row.source,
  reason: row.reason,
  liftedAt: row.lifted_at,
  liftedSource: row.lifted_source,
  seq: row.seq,
});

const contactField = (channel: Channel) => (channel === 'sms' ? 'phone' : 'email');

export interface OptOutFilter {
  channel?: Channel;
  address?: string;
  /** Also list lifted opt-outs (kept 3 years). */
  includeLifted?: boolean;
  beforeSeq?: number;
  limit: number;
}

/**
 * The opt-out list of each tenant: per channel, by address, independent of contacts. Sending
 * checks it for every message (`isOptedOut`), whatever the consent says.
 */
export class OptOutList {
  readonly #db: Db;
  readonly #publisher: EventPublisher;
  readonly #log: Logger | undefined;

  constructor(db: Db, publisher: EventPublisher, options: { log?: Logger } = {}) {
    this.#db = db;
    this.#publisher = publisher;
    this.#log = options.log;
  }

  /**
   * The address as stored: E.164 for sms (national numbers read in the tenant's region; numbers of
   * a plausible length are accepted even in ranges unknown to the metadata: a STOP must never be
   * lost), lower-cased for email.
   * @throws ContactInputError (path "address").
   */
  async normalizeAddress(tenantId: string, channel: Channel, address: string): Promise<string> {
    if (channel === 'email') {
      const email = EmailSchema.safeParse(address);
      if (!email.success) throw new ContactInputError([{ path: 'address', message: `"${address}" is not a valid email address` }]);
      return email.data;
    }
    const region = await tenantPhoneRegion(this.#db, tenantId);
    const phone = normalizePhone(address, region, { acceptPossible: true });
    if (!phone.ok) throw new ContactInputError([{ path: 'address', message: phone.message }]);
    return phone.e164;
  }

  /**
   * Records that `address` objects to messages on `channel`. The first time (no active opt-out
   * yet), also withdraws the matching contact's consent and publishes `contact.unsubscribed`;
   * repeated STOPs find the active row and do nothing else, so subscribers are not spammed.
   */
  async optOut(tenantId: string, channel: Channel, address: string, record: { source: string; reason?: string | null; at?: Date }): Promise<{ optOut: OptOut; created: boolean; contactId: string | undefined }> {
    const normalized = await this.normalizeAddress(tenantId, channel, address);
    const at = record.at ?? new Date();
    if (isFuture(at)) throw new ContactInputError([{ path: 'at', message: 'must not be in the future' }]);
    const outcome = await retryOnRace(() => this.#db.transaction(async (tx) => {
      const [inserted] = await tx.query<OptOutRow>(
        `INSERT INTO opt_outs (tenant_id, channel, address, at, source, reason) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, channel, address) WHERE lifted_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
        [tenantId, channel, normalized, at, record.source, record.reason ?? null],
      );
      const contactId = await contactIdBy(tx, tenantId, contactField(channel), normalized);
      if (!inserted) {
        const active = await activeOptOut(tx, tenantId, channel, normalized);
        // Lifted between our insert and this read: try again.
        if (!active) throw new StaleReadError('the opt-out');
        return { optOut: active, created: false, contactId };
      }
      if (contactId !== undefined) await recordConsent(tx, tenantId, contactId, channel, { status: 'withdrawn', at, source: record.source, proof: record.reason ?? null });
      return { optOut: toOptOut(inserted), created: true, contactId };
    }));
    if (outcome.created) {
      const subject: EventSubject = channel === 'sms' ? { phone: normalized } : { email: normalized };
      if (outcome.contactId !== undefined) subject.contactId = outcome.contactId;
      try {
        await this.#publisher.publish({
          tenantId,
          source: 'hub',
          type: 'contact.unsubscribed',
          // One event per opt-out row: a STOP while already opted out inserts no row, so publishes nothing.
          dedupeKey: `contact.unsubscribed:${channel}:${normalized}:${outcome.optOut.seq}`,
          occurredAt: at,
          subject,
          data: { channel, address: normalized, via: record.source },
        });
      } catch (error) {
        // The opt-out is committed and enforced; failing now would make the caller retry into "already opted out".
        this.#log?.error({ err: error, tenantId, channel }, 'contact.unsubscribed could not be published');
      }
    }
    return outcome;
  }

  /**
   * Lifts the active opt-out of `address` (a re-subscription); the row is kept as proof. With
   * `consent`, also records granted consent on the matching contact in the same transaction.
   * Resolves false when the address was not opted out.
   */
  async optIn(tenantId: string, channel: Channel, address: string, record: { source: string; consent?: { proof?: string | null; at?: Date } }): Promise<boolean> {
    const normalized = await this.normalizeAddress(tenantId, channel, address);
    return this.#db.transaction(async (tx) => {
      const lifted = await tx.query(
        `UPDATE opt_outs SET lifted_at = now(), lifted_source = $4 WHERE tenant_id = $1 AND channel = $2 AND address = $3 AND lifted_at IS NULL RETURNING seq`,
        [tenantId, channel, normalized, record.source],
      );
      if (record.consent) {
        const contactId = await contactIdBy(tx, tenantId, contactField(channel), normalized);
        if (contactId !== undefined) {
          await recordConsent(tx, tenantId, contactId, channel, { status: 'granted', at: record.consent.at, source: record.source, proof: record.consent.proof ?? null });
        }
      }
      return lifted.length > 0;
    });
  }

  /**
   * One indexed query (the partial unique index on active rows); the sending core calls it for
   * every message. `address` must already be normalized: E.164 phone, or email (case is folded here).
   */
  async isOptedOut(tenantId: string, channel: Channel, address: string): Promise<boolean> {
    const rows = await this.#db.query(
      'SELECT 1 FROM opt_outs WHERE tenant_id = $1 AND channel = $2 AND address = $3 AND lifted_at IS NULL',
      [tenantId, channel, channel === 'email' ? address.trim().toLowerCase() : address],
    );
    return rows.length > 0;
  }

  /** The active opt-out of an address (normalized here), if any. */
  async find(tenantId: string, channel: Channel, address: string): Promise<OptOut | undefined> {
    return activeOptOut(this.#db, tenantId, channel, await this.normalizeAddress(tenantId, channel, address));
  }

  /** Newest first. */
  async list(tenantId: string, filter: OptOutFilter): Promise<OptOut[]> {
    const conditions = ['tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (condition: string, value: unknown) => {
      params.push(value);
      conditions.push(condition.replace('?', `$${params.length}`));
    };
    if (!filter.includeLifted) conditions.push('lifted_at IS NULL');
    if (filter.channel !== undefined) add('channel = ?', filter.channel);
    if (filter.address !== undefined) {
      const channel = filter.channel ?? (filter.address.includes('@') ? 'email' : 'sms');
      add('address = ?', await this.normalizeAddress(tenantId, channel, filter.address));
    }
    if (filter.beforeSeq !== undefined) add('seq < ?', filter.beforeSeq);
    params.push(filter.limit);
    const rows = await this.#db.query<OptOutRow>(`SELECT ${COLUMNS} FROM opt_outs WHERE ${conditions.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`, params);
    return rows.map(toOptOut);
  }

  /** Deletes the tenant's opt-outs lifted more than 3 years before `now` (a maintenance job runs it per tenant). */
  async purgeExpired(tenantId: string, now: Date = new Date()): Promise<number> {
    const rows = await this.#db.query(
      `DELETE FROM opt_outs WHERE tenant_id = $1 AND lifted_at IS NOT NULL AND lifted_at < $2::timestamptz - make_interval(years => $3) RETURNING seq`,
      [tenantId, now, OPT_OUT_RETENTION_YEARS],
    );
    return rows.length;
  }
}

async function activeOptOut(sql: Sql, tenantId: string, channel: Channel, address: string): Promise<OptOut | undefined> {
  const [row] = await sql.query<OptOutRow>(`SELECT ${COLUMNS} FROM opt_outs WHERE tenant_id = $1 AND channel = $2 AND address = $3 AND lifted_at IS NULL`, [
    tenantId,
    channel,
    address,
  ]);
  return row && toOptOut(row);
}

/** Which of these addresses are opted out, in one query (for contact views): "sms:+336…", "email:a@b.fr". */
export async function activeOptOutsOf(sql: Sql, tenantId: string, addresses: { sms: readonly string[]; email: readonly string[] }): Promise<Set<string>> {
  if (addresses.sms.length + addresses.email.length === 0) return new Set();
  const rows = await sql.query<{ channel: Channel; address: string }>(
    `SELECT channel, address FROM opt_outs WHERE tenant_id = $1 AND lifted_at IS NULL
       AND ((channel = 'sms' AND address = ANY($2::text[])) OR (channel = 'email' AND address = ANY($3::text[])))`,
    [tenantId, addresses.sms, addresses.email],
  );
  return new Set(rows.map((row) => `${row.channel}:${row.address}`));
}
