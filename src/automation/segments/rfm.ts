/**
 * RFM scoring: recency, frequency and monetary value, each a quintile 1–5 among the tenant's buying
 * contacts (5 = most recent, most orders, most spent), written as a 3-digit code ("545"), and the
 * usual named groups. The groups are decided on R and FM = round((F + M) / 2), first rule that
 * matches; the table covers all 25 (R, FM) cells. Pure: segment-sql.ts turns a filter's groups into the
 * codes this table names, so the API and the segments use one definition.
 */
import { z } from 'zod';

export const RFM_GROUPS = [
  'Champions',
  'Loyal',
  'Potential Loyalists',
  'New',
  'Promising',
  'Need Attention',
  'About to Sleep',
  "Can't Lose Them",
  'At Risk',
  'Hibernating',
  'Lost',
] as const;
export const RfmGroup = z.enum(RFM_GROUPS);
export type RfmGroup = z.infer<typeof RfmGroup>;

type Range = readonly [number, number];

/** [group, R range, FM range], in order. */
export const RFM_RULES: readonly (readonly [RfmGroup, Range, Range])[] = [
  ['Champions', [4, 5], [4, 5]],
  ['Loyal', [3, 3], [4, 5]],
  ['Potential Loyalists', [4, 5], [2, 3]],
  ['New', [5, 5], [1, 1]],
  ['Promising', [4, 4], [1, 1]],
  ['Need Attention', [3, 3], [3, 3]],
  ['About to Sleep', [3, 3], [1, 2]],
  ["Can't Lose Them", [1, 2], [5, 5]],
  ['At Risk', [1, 2], [3, 4]],
  ['Hibernating', [2, 2], [1, 2]],
  ['Lost', [1, 1], [1, 2]],
];

export const fmScore = (frequency: number, monetary: number) => Math.round((frequency + monetary) / 2);

export function rfmGroup(recency: number, frequency: number, monetary: number): RfmGroup {
  const fm = fmScore(frequency, monetary);
  const rule = RFM_RULES.find(([, r, f]) => recency >= r[0] && recency <= r[1] && fm >= f[0] && fm <= f[1]);
  if (!rule) throw new RangeError(`RFM scores are 1 to 5, got ${recency}${frequency}${monetary}`);
  return rule[0];
}

/** Value tiers by money spent in the window: the top 20 % "high", the next 30 % "medium", the rest "low"; no purchase: "none". */
export const VALUE_TIERS = ['high', 'medium', 'low', 'none'] as const;
export const ValueTier = z.enum(VALUE_TIERS);
export type ValueTier = z.infer<typeof ValueTier>;

/** Customer tiers by orders per year and average basket, with the tenant's thresholds (score-settings.ts); no purchase: "none". */
export const CUSTOMER_TIERS = ['vip', 'regular', 'small', 'none'] as const;
export const CustomerTier = z.enum(CUSTOMER_TIERS);
export type CustomerTier = z.infer<typeof CustomerTier>;
