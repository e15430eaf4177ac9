/**
 * Segments: saved filters over contacts, as a discriminated union like scenario steps. They read
 * contact fields, consent, list membership, purchase behaviour (the purchase ledger, src/purchases:
 * how many orders and how much in a period, the last one, baskets, categories, RFM and tiers) and
 * activity (clicked links, abandoned carts).
 * segment-sql.ts turns a filter into one SQL condition, for the whole tenant (membership refresh)
 * or one contact (a scenario condition).
 */
import { z } from 'zod';
import { DurationSchema } from '../duration.ts';
import { CustomerTier, RfmGroup, ValueTier } from './rfm.ts';

const CONTACT_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'locale', 'timeZone', 'createdAt'] as const;

export const SegmentFieldSchema = z
  .string()
  .refine((field) => (CONTACT_FIELDS as readonly string[]).includes(field) || /^attributes\.[A-Za-z0-9_-]{1,64}$/.test(field), {
    error: (issue) => `"${String(issue.input)}" is not a contact field: use ${CONTACT_FIELDS.join(', ')} or attributes.<name>`,
  });

const Categories = z.array(z.string().trim().min(1).max(200)).min(1).max(50).describe('Categories as the shop names them (exact match); any of them.');

const Count = z.object({ gte: z.number().min(0).optional(), lte: z.number().min(0).optional() }).strict();

export type SegmentFilter =
  | { kind: 'field'; field: string; op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'contains' | 'exists' | 'notExists' | 'withinLast' | 'olderThan'; value?: z.core.util.JSONType | undefined }
  | { kind: 'consent'; channel: 'sms' | 'email'; status: 'granted' | 'withdrawn' | 'unknown' }
  | { kind: 'inList'; listId: string }
  | { kind: 'purchases'; within?: string | undefined; count?: z.infer<typeof Count> | undefined; amount?: z.infer<typeof Count> | undefined }
  | { kind: 'lastPurchase'; op: 'withinLast' | 'olderThan' | 'never'; value?: string | undefined }
  | { kind: 'rfm'; groups?: RfmGroup[] | undefined; codes?: string[] | undefined }
  | { kind: 'valueTier'; tiers: ValueTier[] }
  | { kind: 'customerTier'; tiers: CustomerTier[] }
  | { kind: 'averageBasket'; within?: string | undefined; gte?: number | undefined; lte?: number | undefined }
  | { kind: 'categoryBought'; categories: string[]; within?: string | undefined }
  | { kind: 'categoryLastBought'; categories: string[]; op: 'withinLast' | 'olderThan'; value: string }
  | { kind: 'clicked'; within?: string | undefined; count?: z.infer<typeof Count> | undefined }
  | { kind: 'abandonedCart'; within?: string | undefined }
  | { kind: 'all'; of: SegmentFilter[] }
  | { kind: 'any'; of: SegmentFilter[] }
  | { kind: 'not'; filter: SegmentFilter };

export const SegmentFilterSchema: z.ZodType<SegmentFilter> = z.lazy(() =>
  z.discriminatedUnion(
    'kind',
    [
      z
        .object({
          kind: z.literal('field'),
          field: SegmentFieldSchema,
          op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'notExists', 'withinLast', 'olderThan']),
          value: z.json().optional(),
        })
        .strict()
        .superRefine((filter, ctx) => {
          const needsValue = filter.op !== 'exists' && filter.op !== 'notExists';
          if (needsValue !== (filter.value !== undefined)) ctx.addIssue({ code: 'custom', path: ['value'], message: needsValue ? `"${filter.op}" needs a value` : `"${filter.op}" takes no value` });
          if (filter.op === 'in' && !Array.isArray(filter.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: '"in" needs a list of values' });
          if ((filter.op === 'withinLast' || filter.op === 'olderThan') && !DurationSchema.safeParse(filter.value).success) ctx.addIssue({ code: 'custom', path: ['value'], message: `"${filter.op}" needs a duration such as "30d"` });
          if (['gt', 'gte', 'lt', 'lte'].includes(filter.op) && typeof filter.value !== 'number' && typeof filter.value !== 'string') ctx.addIssue({ code: 'custom', path: ['value'], message: `"${filter.op}" compares with a number or a date` });
        }),
      z.object({ kind: z.literal('consent'), channel: z.enum(['sms', 'email']), status: z.enum(['granted', 'withdrawn', 'unknown']) }).strict(),
      z.object({ kind: z.literal('inList'), listId: z.string().min(1).max(64) }).strict(),
      z
        .object({ kind: z.literal('purchases'), within: DurationSchema.optional().describe('Default: all recorded orders.'), count: Count.optional(), amount: Count.optional() })
        .strict()
        .refine((filter) => filter.count !== undefined || filter.amount !== undefined, { error: 'give count and/or amount bounds, e.g. { "count": { "gte": 2 } }' }),
      z
        .object({ kind: z.literal('lastPurchase'), op: z.enum(['withinLast', 'olderThan', 'never']), value: DurationSchema.optional() })
        .strict()
        .refine((filter) => (filter.op === 'never') === (filter.value === undefined), { error: '"withinLast"/"olderThan" need a duration value; "never" takes none' }),
      z
        .object({ kind: z.literal('rfm'), groups: z.array(RfmGroup).min(1).optional(), codes: z.array(z.string().regex(/^[1-5]{3}$/, { error: 'an RFM code is 3 digits 1–5, e.g. "545"' })).min(1).optional() })
        .strict()
        .refine((filter) => filter.groups !== undefined || filter.codes !== undefined, { error: 'give groups (e.g. ["Champions"]) or codes (e.g. ["555"])' }),
      z.object({ kind: z.literal('valueTier'), tiers: z.array(ValueTier).min(1) }).strict(),
      z.object({ kind: z.literal('customerTier'), tiers: z.array(CustomerTier).min(1) }).strict(),
      z
        .object({ kind: z.literal('averageBasket'), within: DurationSchema.optional().describe('Default: all recorded orders.'), gte: z.number().min(0).optional(), lte: z.number().min(0).optional() })
        .strict()
        .refine((filter) => filter.gte !== undefined || filter.lte !== undefined, { error: 'give gte and/or lte, e.g. { "gte": 80 }' }),
      z.object({ kind: z.literal('categoryBought'), categories: Categories, within: DurationSchema.optional().describe('Default: all recorded orders.') }).strict(),
      z.object({ kind: z.literal('categoryLastBought'), categories: Categories, op: z.enum(['withinLast', 'olderThan']), value: DurationSchema }).strict(),
      z.object({ kind: z.literal('clicked'), within: DurationSchema.optional().describe('Default: every recorded click.'), count: Count.optional().describe('Default: at least 1.') }).strict(),
      z.object({ kind: z.literal('abandonedCart'), within: DurationSchema.optional().describe('Only carts abandoned within this period. Default: any.') }).strict(),
      z.object({ kind: z.literal('all'), of: z.array(SegmentFilterSchema).min(1).max(50) }).strict(),
      z.object({ kind: z.literal('any'), of: z.array(SegmentFilterSchema).min(1).max(50) }).strict(),
      z.object({ kind: z.literal('not'), filter: SegmentFilterSchema }).strict(),
    ],
    { error: 'filter.kind is one of field, consent, inList, purchases, lastPurchase, rfm, valueTier, customerTier, averageBasket, categoryBought, categoryLastBought, clicked, abandonedCart, all, any, not' },
  ),
);

export const SegmentInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).nullable().optional(),
    filter: SegmentFilterSchema,
    rfmWindow: DurationSchema.default('365d').describe('The period RFM scores and value tiers look at.'),
  })
  .strict();
export type SegmentInput = z.infer<typeof SegmentInputSchema>;
