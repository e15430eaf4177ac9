import { z } from 'zod';
import type { TriggerEvent } from '../../src/bus/trigger-event.ts';

/**
 * Optional filters of a Zapier hook, so a Zap only wakes up for the events it wants (each delivery
 * counts as a task in the user's Zapier plan): the event's `source`, and top-level `data` fields
 * that must equal the given values.
 */
export const HookFiltersSchema = z
  .object({
    source: z.string().min(1).max(40).optional().describe('Only events from this system, e.g. "woocommerce".'),
    data: z
      .record(z.string().min(1).max(100), z.union([z.string().max(500), z.number(), z.boolean()]))
      .refine((fields) => Object.keys(fields).length <= 10, 'at most 10 data fields')
      .optional()
      .describe('Only events whose data has these values, e.g. { "channel": "sms" }.'),
  })
  .strict();
export type HookFilters = z.infer<typeof HookFiltersSchema>;

export function matchesFilters(event: Pick<TriggerEvent, 'source' | 'data'>, filters: HookFilters): boolean {
  if (filters.source !== undefined && event.source !== filters.source) return false;
  return Object.entries(filters.data ?? {}).every(([key, value]) => event.data[key] === value);
}
