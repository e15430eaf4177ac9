import { findEventType } from '../../src/bus/catalog/index.ts';
import type { PublicEvent } from '../../src/bus/trigger-event.ts';

/** How many real events a sample answer holds: Zapier shows the first few to map fields from. */
export const SAMPLE_COUNT = 3;

/**
 * The catalog's example of a type in the delivery shape, for a tenant with no event of the type yet.
 * Its id says it is an example, so a Zap tested on it is not mistaken for a real event.
 */
export function catalogSample(type: string): PublicEvent {
  const entry = findEventType(type);
  const at = '2026-01-15T09:30:00.000Z';
  return {
    id: `evt_example_${type.replaceAll('.', '_')}`,
    version: 1,
    type,
    source: 'hub',
    occurredAt: at,
    receivedAt: at,
    dedupeKey: `example.${type}`,
    subject: {},
    data: (entry?.example as Record<string, unknown> | undefined) ?? {},
  };
}

/** Newest first across the trigger's types (each list is already newest first, `seq` orders them). */
export function newestFirst<Item extends { seq: number }>(lists: Item[][], count: number): Item[] {
  return lists
    .flat()
    .sort((a, b) => b.seq - a.seq)
    .slice(0, count);
}
