/**
 * A segment filter → one SQL condition over the contacts read model `c` (src/contacts/read-model.ts)
 * left-joined to the tenant's RFM scores (`rfm`). Values are parameters, never spliced in; attribute
 * names too (`c.attributes->>$n`). The same condition selects a segment's members (membership
 * refresh) or checks one contact (a scenario condition), so both always agree.
 */
import { consentStatusSql, CONTACTS_READ_MODEL, inListSql } from '../../contacts/read-model.ts';
import { PURCHASES_READ_MODEL } from '../../purchases/read-model.ts';
import { durationMs } from '../duration.ts';
import { rfmGroupSql } from './rfm.ts';
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
    case 'all':
      return `(${filter.of.map((inner) => filterCondition(inner, params, now)).join(' AND ')})`;
    case 'any':
      return `(${filter.of.map((inner) => filterCondition(inner, params, now)).join(' OR ')})`;
    case 'not':
      return `NOT (${filterCondition(filter.filter, params, now)})`;
  }
}

/**
 * The tenant's RFM scores over a window, as a CTE named `rfm`: quintiles by percent rank, so equal
 * values share a score (everyone with one order has F = 1), R on the last order date (5 = most
 * recent), the 3-digit code, the named group, and the value tier (top 20 % of money spent "high",
 * next 30 % "medium", the rest "low").
 */
export function rfmCte(tenantParam: string, fromParam: string, toParam: string): string {
  const quintile = (order: string) => `LEAST(5, 1 + floor(percent_rank() OVER (ORDER BY ${order}) * 5))::int`;
  return `stats AS (
      SELECT contact_id, max(placed_at) FILTER (WHERE is_order) AS last_at, (count(*) FILTER (WHERE is_order))::int AS frequency, coalesce(sum(value), 0) AS monetary
      FROM ${PURCHASES_READ_MODEL} p WHERE tenant_id = ${tenantParam} AND placed_at >= ${fromParam} AND placed_at <= ${toParam} GROUP BY contact_id HAVING count(*) FILTER (WHERE is_order) > 0
    ), scored AS (
      SELECT contact_id, last_at, frequency, monetary, ${quintile('last_at')} AS r, ${quintile('frequency')} AS f, ${quintile('monetary')} AS m,
        cume_dist() OVER (ORDER BY monetary DESC) AS value_rank
      FROM stats
    ), rfm AS (
      SELECT contact_id, last_at, frequency, monetary, r, f, m, (r::text || f::text || m::text) AS code, ${rfmGroupSql('r', 'f', 'm')} AS rfm_group,
        CASE WHEN value_rank <= 0.2 THEN 'high' WHEN value_rank <= 0.5 THEN 'medium' ELSE 'low' END AS value_tier
      FROM scored
    )`;
}

export function usesRfm(filter: SegmentFilter): boolean {
  if (filter.kind === 'rfm' || filter.kind === 'valueTier') return true;
  if (filter.kind === 'all' || filter.kind === 'any') return filter.of.some(usesRfm);
  if (filter.kind === 'not') return usesRfm(filter.filter);
  return false;
}

/** The query selecting the ids of the tenant's contacts matching the filter (optionally only `contactId`). */
export function membersQuery(tenantId: string, filter: SegmentFilter, now: Date, rfmWindowMs: number, contactId?: string): { text: string; params: unknown[] } {
  const params: unknown[] = [tenantId, new Date(now.getTime() - rfmWindowMs), now];
  const condition = filterCondition(filter, params, now);
  const only = contactId === undefined ? '' : ` AND c.id = ${param(params, contactId)}`;
  const rfm = usesRfm(filter);
  const text = rfm
    ? `WITH ${rfmCte('$1', '$2::timestamptz', '$3::timestamptz')} SELECT c.id FROM ${CONTACTS_READ_MODEL} c LEFT JOIN rfm ON rfm.contact_id = c.id WHERE c.tenant_id = $1${only} AND ${condition}`
    : `SELECT c.id FROM ${CONTACTS_READ_MODEL} c WHERE c.tenant_id = $1 AND $2::timestamptz IS NOT NULL AND $3::timestamptz IS NOT NULL${only} AND ${condition}`;
  return { text, params };
}
