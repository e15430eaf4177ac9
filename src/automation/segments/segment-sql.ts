/**
 * A segment filter → one SQL condition over the contacts read model `c` (src/contacts/read-model.ts),
 * with the contact's scores (`rfm`: its stats in the window ranged against the tenant's stored
 * boundaries, boundaries.ts) when the filter reads them. Values are parameters, never spliced in;
 * attribute names too (`c.attributes->>$n`). The same condition selects a chunk of a segment's members
 * (membership refresh) or checks one contact (a scenario condition), so both always agree.
 */
import { consentStatusSql, CONTACTS_READ_MODEL, inListSql } from '../../contacts/read-model.ts';
import { PURCHASES_READ_MODEL } from '../../purchases/read-model.ts';
import { durationMs } from '../duration.ts';
import { ACTIVITY_SQL } from './activity.ts';
import { statsSql, type Boundaries } from './boundaries.ts';
import { rfmGroup } from './rfm.ts';
import type { SegmentSettings } from './score-settings.ts';
import type { SegmentFilter } from './segment.ts';

type Params = unknown[];

const COLUMNS: Record<string, string> = {
  firstName: 'c.first_name',
  lastName: 'c.last_name',
  email: 'c.email',
  phone: 'c.phone',
  locale: 'c.locale',
  timeZone: 'c.time_zone',
  createdAt: 'c.created_at',
};

function param(params: Params, value: unknown, cast = ''): string {
  params.push(value);
  return `$${params.length}${cast}`;
}

const since = (params: Params, now: Date, duration: string) => param(params, new Date(now.getTime() - durationMs(duration)), '::timestamptz');

function fieldCondition(filter: Extract<SegmentFilter, { kind: 'field' }>, params: Params, now: Date): string {
  const column = COLUMNS[filter.field];
  const attribute = column === undefined ? filter.field.slice('attributes.'.length) : undefined;
  const key = attribute === undefined ? '' : param(params, attribute);
  const text = column ?? `(c.attributes->>${key})`;
  const json = attribute === undefined ? undefined : `(c.attributes->${key})`;
  const number = json ? `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${text})::numeric END)` : undefined;
  const instant = filter.field === 'createdAt' ? 'c.created_at' : `(CASE WHEN ${text} ~ '^\\d{4}-\\d{2}-\\d{2}' THEN (${text})::timestamptz END)`;
  const value = filter.value;
  switch (filter.op) {
    case 'exists':
      return `(${text} IS NOT NULL AND ${text} <> '')`;
    case 'notExists':
      return `(${text} IS NULL OR ${text} = '')`;
    case 'eq':
    case 'ne': {
      const same = json ? `${json} = ${param(params, JSON.stringify(value), '::jsonb')}` : `${text} = ${param(params, String(value))}`;
      return filter.op === 'eq' ? `coalesce(${same}, false)` : `NOT coalesce(${same}, false)`;
    }
    case 'in':
      return json
        ? `coalesce(${json} = ANY(${param(params, (value as unknown[]).map((item) => JSON.stringify(item)), '::jsonb[]')}), false)`
        : `coalesce(${text} = ANY(${param(params, (value as unknown[]).map(String), '::text[]')}), false)`;
    case 'contains':
      return `coalesce(${text} ILIKE '%' || ${param(params, String(value).replace(/[\\%_]/g, (char) => `\\${char}`))} || '%', false)`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const operator = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[filter.op];
      if (typeof value === 'number') return `coalesce(${number ?? `(${text})::numeric`} ${operator} ${param(params, value, '::numeric')}, false)`;
      if (filter.field === 'createdAt') return `coalesce(c.created_at ${operator} ${param(params, String(value), '::timestamptz')}, false)`;
      return `coalesce(${text} ${operator} ${param(params, String(value))}, false)`;
    }
    case 'withinLast':
      return `coalesce(${instant} >= ${since(params, now, String(value))} AND ${instant} <= ${param(params, now, '::timestamptz')}, false)`;
    case 'olderThan':
      return `coalesce(${instant} < ${since(params, now, String(value))}, false)`;
  }
}

const PURCHASES = `FROM ${PURCHASES_READ_MODEL} p WHERE p.tenant_id = c.tenant_id AND p.contact_id = c.id`;

export function filterCondition(filter: SegmentFilter, params: Params, now: Date): string {
  switch (filter.kind) {
    case 'field':
      return fieldCondition(filter, params, now);
    case 'consent':
      return `${consentStatusSql('c', param(params, filter.channel))} = ${param(params, filter.status)}`;
    case 'inList':
      return inListSql('c', param(params, filter.listId));
    case 'purchases': {
      const window = `${filter.within === undefined ? '' : ` AND p.placed_at >= ${since(params, now, filter.within)}`} AND p.placed_at <= ${param(params, now, '::timestamptz')}`;
      const bounds: string[] = [];
      for (const [measure, expression] of [
        ['count', `(SELECT count(*) FILTER (WHERE p.is_order) ${PURCHASES}${window})`],
        ['amount', `(SELECT coalesce(sum(p.value), 0) ${PURCHASES}${window})`],
      ] as const) {
        const range = filter[measure];
        if (range?.gte !== undefined) bounds.push(`${expression} >= ${param(params, range.gte, '::numeric')}`);
        if (range?.lte !== undefined) bounds.push(`${expression} <= ${param(params, range.lte, '::numeric')}`);
      }
      return bounds.length === 0 ? 'true' : `(${bounds.join(' AND ')})`;
    }
    case 'lastPurchase': {
      const last = `(SELECT max(p.placed_at) ${PURCHASES} AND p.is_order)`;
      if (filter.op === 'never') return `${last} IS NULL`;
      return filter.op === 'withinLast' ? `coalesce(${last} >= ${since(params, now, filter.value!)}, false)` : `coalesce(${last} < ${since(params, now, filter.value!)}, false)`;
    }
    case 'rfm': {
      return `coalesce(rfm.code = ANY(${param(params, rfmCodes(filter), '::int[]')}), false)`;
    }
    case 'valueTier':
      return `coalesce(rfm.value_tier, 'none') = ANY(${param(params, filter.tiers, '::text[]')})`;
    case 'customerTier':
      return `coalesce(rfm.customer_tier, 'none') = ANY(${param(params, filter.tiers, '::text[]')})`;
    case 'averageBasket': {
      const window = `${filter.within === undefined ? '' : ` AND p.placed_at >= ${since(params, now, filter.within)}`} AND p.placed_at <= ${param(params, now, '::timestamptz')}`;
      const basket = `(SELECT avg(p.value) FILTER (WHERE p.value IS NOT NULL) ${PURCHASES} AND p.is_order${window})`;
      const bounds: string[] = [];
      if (filter.gte !== undefined) bounds.push(`${basket} >= ${param(params, filter.gte, '::numeric')}`);
      if (filter.lte !== undefined) bounds.push(`${basket} <= ${param(params, filter.lte, '::numeric')}`);
      return `coalesce(${bounds.join(' AND ')}, false)`;
    }
    case 'categoryBought': {
      const window = `${filter.within === undefined ? '' : ` AND p.placed_at >= ${since(params, now, filter.within)}`} AND p.placed_at <= ${param(params, now, '::timestamptz')}`;
      return `EXISTS (SELECT 1 ${PURCHASES} AND p.is_order AND p.categories && ${param(params, filter.categories, '::text[]')}${window})`;
    }
    case 'categoryLastBought': {
      const last = `(SELECT max(p.placed_at) ${PURCHASES} AND p.is_order AND p.categories && ${param(params, filter.categories, '::text[]')})`;
      return filter.op === 'withinLast' ? `coalesce(${last} >= ${since(params, now, filter.value)}, false)` : `coalesce(${last} < ${since(params, now, filter.value)}, false)`;
    }
    case 'clicked': {
      const window = filter.within === undefined ? '' : ` AND a.at >= ${since(params, now, filter.within)}`;
      const clicks = `(SELECT count(*) FROM ${ACTIVITY_SQL} a WHERE a.tenant_id = c.tenant_id AND a.contact_id = c.id AND a.type = 'link.clicked'${window})`;
      const range = filter.count ?? { gte: 1 };
      const bounds: string[] = [];
      if (range.gte !== undefined) bounds.push(`${clicks} >= ${param(params, range.gte, '::numeric')}`);
      if (range.lte !== undefined) bounds.push(`${clicks} <= ${param(params, range.lte, '::numeric')}`);
      return bounds.length === 0 ? 'true' : `(${bounds.join(' AND ')})`;
    }
    case 'abandonedCart': {
      // The latest abandoned cart (within the period) is later than every order placed, whatever its status.
      const window = filter.within === undefined ? '' : ` AND a.at >= ${since(params, now, filter.within)}`;
      const abandoned = `(SELECT max(a.at) FROM ${ACTIVITY_SQL} a WHERE a.tenant_id = c.tenant_id AND a.contact_id = c.id AND a.type = 'cart.abandoned'${window})`;
      return `coalesce(${abandoned} > coalesce((SELECT max(p.placed_at) ${PURCHASES} AND p.is_placed), '-infinity'::timestamptz), false)`;
    }
    case 'all':
      return `(${filter.of.map((inner) => filterCondition(inner, params, now)).join(' AND ')})`;
    case 'any':
      return `(${filter.of.map((inner) => filterCondition(inner, params, now)).join(' OR ')})`;
    case 'not':
      return `NOT (${filterCondition(filter.filter, params, now)})`;
  }
}

/** What scores are ranged against: the tenant's boundaries for the segment's window, and its tier thresholds. */
export interface ScoreContext {
  boundaries: Boundaries;
  settings: SegmentSettings;
}

/** Every RFM code as the number r·100 + f·10 + m, with its group. */
const CODES = Array.from({ length: 125 }, (_, index) => {
  const [r, f, m] = [1 + Math.floor(index / 25), 1 + (Math.floor(index / 5) % 5), 1 + (index % 5)] as const;
  return { code: r * 100 + f * 10 + m, group: rfmGroup(r, f, m) };
});

/** The codes of the filter's groups and codes, so membership compares one integer instead of naming a group per contact. */
function rfmCodes(filter: Extract<SegmentFilter, { kind: 'rfm' }>): number[] {
  const codes = new Set((filter.codes ?? []).map(Number));
  for (const { code, group } of CODES) if (filter.groups?.includes(group)) codes.add(code);
  return [...codes];
}

/**
 * The scores of the ledger's `contacts` (a condition on p.contact_id) as a subquery, one row per buyer
 * in the window: its stats (statsSql), the code r·100 + f·10 + m (each score the cut points its value
 * passes), the value tier and the customer tier (orders per year over the window, average basket).
 */
function scoresSubquery(params: Params, scores: ScoreContext, contacts: string, from: string, to: string, windowMs: number): string {
  const { boundaries, settings } = scores;
  const op = boundaries.inclusive ? '>=' : '>';
  const passes = (value: string, cuts: readonly unknown[], cast: string) => {
    const array = param(params, cuts, cast);
    return `(1 + ${[1, 2, 3, 4].map((index) => `(${value} ${op} (${array})[${index}])::int`).join(' + ')})`;
  };
  const tiers = settings.customerTiers;
  const perYear = param(params, (365 * 86_400_000) / windowMs, '::float8');
  const tier = (name: 'vip' | 'regular') =>
    `st.orders * ${perYear} >= ${param(params, tiers[name].ordersPerYear, '::float8')} AND coalesce(st.basket, 0) >= ${param(params, tiers[name].averageBasket, '::float8')}`;
  const recency = passes('st.last_at', boundaries.recency.map((at) => new Date(at).toISOString()), '::timestamptz[]');
  return `(SELECT st.*, ${recency} * 100 + ${passes('st.orders', boundaries.frequency, '::float8[]')} * 10 + ${passes('st.spent', boundaries.monetary, '::float8[]')} AS code,
        CASE WHEN st.spent ${op} ${param(params, boundaries.valueTiers[1], '::float8')} THEN 'high' WHEN st.spent ${op} ${param(params, boundaries.valueTiers[0], '::float8')} THEN 'medium' ELSE 'low' END AS value_tier,
        CASE WHEN ${tier('vip')} THEN 'vip' WHEN ${tier('regular')} THEN 'regular' ELSE 'small' END AS customer_tier
      FROM (${statsSql('$1', contacts, from, to)}) st)`;
}

const SCORED = new Set<SegmentFilter['kind']>(['rfm', 'valueTier', 'customerTier']);

export function usesScores(filter: SegmentFilter): boolean {
  if (SCORED.has(filter.kind)) return true;
  if (filter.kind === 'all' || filter.kind === 'any') return filter.of.some(usesScores);
  if (filter.kind === 'not') return usesScores(filter.filter);
  return false;
}

function requireScores(scores: ScoreContext | undefined): ScoreContext {
  if (!scores) throw new Error('this filter reads scores: pass the tenant\'s boundaries');
  return scores;
}

/** What a segment query needs besides its scope: the tenant, the filter, the time, the RFM window, and the scores when the filter reads them (usesScores). */
export interface FilterQuery {
  tenantId: string;
  filter: SegmentFilter;
  now: Date;
  rfmWindowMs: number;
  scores?: ScoreContext | undefined;
}

/**
 * `SELECT c.id …` of the contacts in scope matching the filter; `scope` restricts a contact id column.
 * Scores are a LATERAL subquery: an index probe of the ledger per contact, a plan that does not depend
 * on the store's statistics (the embedded store never gathers any).
 */
function matchingSql(query: FilterQuery, params: Params, scope: (column: string) => string): string {
  const { filter, now, rfmWindowMs } = query;
  const join = usesScores(filter)
    ? `LEFT JOIN LATERAL ${scoresSubquery(params, requireScores(query.scores), 'p.contact_id = c.id', param(params, new Date(now.getTime() - rfmWindowMs), '::timestamptz'), param(params, now, '::timestamptz'), rfmWindowMs)} rfm ON true`
    : '';
  return `SELECT c.id FROM ${CONTACTS_READ_MODEL} c ${join} WHERE c.tenant_id = $1 AND ${scope('c.id')} AND ${filterCondition(filter, params, now)}`;
}

/**
 * A chunk of the tenant's contacts, the `limit` first in id order after `after`: the CTE `chunk` (its
 * last id `upto`, and how many) and the range condition on a contact id column. Each table is then read
 * by a range of its index rather than probed once per id.
 */
function chunkSql(params: Params, after: string, limit: number): { cte: string; scope: (column: string) => string } {
  const from = param(params, after);
  return {
    cte: `chunk AS (SELECT max(x.id) AS upto, count(*)::int AS size FROM (SELECT c.id FROM ${CONTACTS_READ_MODEL} c WHERE c.tenant_id = $1 AND c.id > ${from} ORDER BY c.id LIMIT ${param(params, limit, '::int')}) x)`,
    scope: (column) => `${column} > ${from} AND ${column} <= (SELECT upto FROM chunk)`,
  };
}

/** Whether one contact matches the filter (a scenario condition): a row with its id, or none. */
export function contactMatchQuery(query: FilterQuery, contactId: string): { text: string; params: unknown[] } {
  const params: unknown[] = [query.tenantId];
  const id = param(params, contactId);
  return { text: matchingSql(query, params, (column) => `${column} = ${id}`), params };
}

/** A chunk's members (a campaign's audience): rows (upto, size, id), one with a null id when none matches; upto null past the last contact. */
export function chunkMembersQuery(query: FilterQuery, after: string, limit: number): { text: string; params: unknown[] } {
  const params: unknown[] = [query.tenantId];
  const chunk = chunkSql(params, after, limit);
  return { text: `WITH ${chunk.cte}, inside AS (${matchingSql(query, params, chunk.scope)}) SELECT k.upto, k.size, i.id FROM chunk k LEFT JOIN inside i ON true`, params };
}

/**
 * A chunk's membership changes, computed in the store against the segment's stored members: rows
 * (upto, size, matched, contact_id, member, transitions), one per contact whose membership differs
 * (member: what it becomes; transitions: its stored count), or one with a null contact_id when none does.
 */
export function chunkChangesQuery(query: FilterQuery, segmentId: string, after: string, limit: number): { text: string; params: unknown[] } {
  const params: unknown[] = [query.tenantId];
  const chunk = chunkSql(params, after, limit);
  const inside = matchingSql(query, params, chunk.scope);
  const stored = `SELECT m.contact_id, m.member, m.transitions FROM segment_members m WHERE m.tenant_id = $1 AND m.segment_id = ${param(params, segmentId)} AND ${chunk.scope('m.contact_id')}`;
  return {
    text: `WITH ${chunk.cte}, inside AS MATERIALIZED (${inside}), stored AS (${stored})
      SELECT k.upto, k.size, (SELECT count(*) FROM inside)::int AS matched, d.contact_id, d.member, d.transitions FROM chunk k LEFT JOIN (
        SELECT coalesce(i.id, s.contact_id) AS contact_id, i.id IS NOT NULL AS member, coalesce(s.transitions, 0) AS transitions
        FROM inside i FULL JOIN stored s ON s.contact_id = i.id WHERE (i.id IS NOT NULL) <> coalesce(s.member, false)) d ON true`,
    params,
  };
}

/** One contact's stats and scores (GET /v1/segments/rfm/{contactId}): last_at, orders, spent, basket, code, value_tier, customer_tier. */
export function scoresQuery(query: Omit<FilterQuery, 'filter'> & { scores: ScoreContext }, contactId: string): { text: string; params: unknown[] } {
  const params: unknown[] = [query.tenantId];
  const id = param(params, contactId);
  const from = param(params, new Date(query.now.getTime() - query.rfmWindowMs), '::timestamptz');
  const to = param(params, query.now, '::timestamptz');
  return { text: `SELECT rfm.* FROM ${scoresSubquery(params, query.scores, `p.contact_id = ${id}`, from, to, query.rfmWindowMs)} rfm`, params };
}
