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
import { rfmGroupSql } from './rfm.ts';
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
      const parts: string[] = [];
      if (filter.groups) parts.push(`rfm.rfm_group = ANY(${param(params, filter.groups, '::text[]')})`);
      if (filter.codes) parts.push(`rfm.code = ANY(${param(params, filter.codes, '::text[]')})`);
      return `coalesce(${parts.join(' OR ')}, false)`;
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

/**
 * The contact's scores as a LATERAL subquery named `rfm` (one row for a buyer in the window, none
 * otherwise): R, F and M as the cut points their values pass (one comparison each), the code, the
 * named group, the value tier and the customer tier (orders per year over the window, average basket).
 */
function scoresLateral(params: Params, scores: ScoreContext, from: string, to: string, windowMs: number): string {
  const { boundaries, settings } = scores;
  const op = boundaries.inclusive ? '>=' : '>';
  const passes = (value: string, cuts: readonly number[]) => {
    const array = param(params, cuts, '::float8[]');
    return `(1 + ${[1, 2, 3, 4].map((index) => `(${value} ${op} (${array})[${index}])::int`).join(' + ')})`;
  };
  const tiers = settings.customerTiers;
  const perYear = param(params, (365 * 86_400_000) / windowMs, '::float8');
  const tier = (name: 'vip' | 'regular') =>
    `sc.orders * ${perYear} >= ${param(params, tiers[name].ordersPerYear, '::float8')} AND coalesce(sc.basket, 0) >= ${param(params, tiers[name].averageBasket, '::float8')}`;
  return `LEFT JOIN LATERAL (
      SELECT sc.*, (sc.r::text || sc.f::text || sc.m::text) AS code, ${rfmGroupSql('sc.r', 'sc.f', 'sc.m')} AS rfm_group,
        CASE WHEN sc.spent ${op} ${param(params, boundaries.valueTiers[1], '::float8')} THEN 'high' WHEN sc.spent ${op} ${param(params, boundaries.valueTiers[0], '::float8')} THEN 'medium' ELSE 'low' END AS value_tier,
        CASE WHEN ${tier('vip')} THEN 'vip' WHEN ${tier('regular')} THEN 'regular' ELSE 'small' END AS customer_tier
      FROM (SELECT st.*, ${passes('(extract(epoch FROM st.last_at) * 1000)::float8', boundaries.recency)} AS r, ${passes('st.orders', boundaries.frequency)} AS f,
          ${passes('st.spent', boundaries.monetary)} AS m
        FROM (${statsSql('c', from, to)}) st WHERE st.orders > 0) sc
    ) rfm ON true`;
}

const SCORED = new Set<SegmentFilter['kind']>(['rfm', 'valueTier', 'customerTier']);

export function usesScores(filter: SegmentFilter): boolean {
  if (SCORED.has(filter.kind)) return true;
  if (filter.kind === 'all' || filter.kind === 'any') return filter.of.some(usesScores);
  if (filter.kind === 'not') return usesScores(filter.filter);
  return false;
}

/** Which contacts a query looks at: a chunk of ids (a refresh), or one contact (a live check). */
export type Scope = { contactIds: readonly string[] } | { contactId: string };

/**
 * The query selecting the ids of the contacts in `scope` matching the filter. `scores` is required when
 * the filter reads scores (usesScores). One statement per chunk, each contact an index probe.
 */
export function membersQuery(tenantId: string, filter: SegmentFilter, now: Date, rfmWindowMs: number, scope: Scope, scores?: ScoreContext): { text: string; params: unknown[] } {
  const params: unknown[] = [tenantId];
  const lateral = usesScores(filter) ? scoresLateral(params, requireScores(scores), param(params, new Date(now.getTime() - rfmWindowMs), '::timestamptz'), param(params, now, '::timestamptz'), rfmWindowMs) : '';
  const only = 'contactId' in scope ? `c.id = ${param(params, scope.contactId)}` : `c.id = ANY(${param(params, [...scope.contactIds], '::text[]')})`;
  const condition = filterCondition(filter, params, now);
  return { text: `SELECT c.id FROM ${CONTACTS_READ_MODEL} c ${lateral} WHERE c.tenant_id = $1 AND ${only} AND ${condition}`, params };
}

function requireScores(scores: ScoreContext | undefined): ScoreContext {
  if (!scores) throw new Error('this filter reads scores: pass the tenant\'s boundaries');
  return scores;
}

/** The tenant's contact ids in id order, `limit` after `after` (the chunks of a refresh). */
export function contactChunkQuery(tenantId: string, after: string, limit: number): { text: string; params: unknown[] } {
  return { text: `SELECT c.id FROM ${CONTACTS_READ_MODEL} c WHERE c.tenant_id = $1 AND c.id > $2 ORDER BY c.id LIMIT $3`, params: [tenantId, after, limit] };
}

/** One contact's stats and scores (GET /v1/segments/rfm/{contactId}). */
export function scoresQuery(tenantId: string, contactId: string, now: Date, rfmWindowMs: number, scores: ScoreContext): { text: string; params: unknown[] } {
  const params: unknown[] = [tenantId, contactId];
  const lateral = scoresLateral(params, scores, param(params, new Date(now.getTime() - rfmWindowMs), '::timestamptz'), param(params, now, '::timestamptz'), rfmWindowMs);
  return { text: `SELECT rfm.* FROM ${CONTACTS_READ_MODEL} c ${lateral} WHERE c.tenant_id = $1 AND c.id = $2 AND rfm.orders IS NOT NULL`, params };
}
