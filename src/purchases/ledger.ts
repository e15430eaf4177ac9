/**
 * The purchase ledger's rule, pure: an order event (`order.created`, `order.status_changed`) → the
 * one line its order holds in the ledger. What the shops send is read once here, so every consumer
 * (segments, RFM, value tiers) sees the same facts:
 *
 * - **Status**: an order is a purchase while it is paid or being fulfilled (processing, on hold,
 *   shipped, delivered, completed). Pending (not paid), cancelled, failed and refunded orders are not;
 *   an order cancelled later stops counting, because its line is replaced by the latest state.
 * - **Refunds**: `refunded` (what was given back so far) is subtracted; a refunded status gives back the
 *   whole total. A negative total is a **credit note**: money given back, never an order.
 * - **One line per order** (tenant, source, order id), replaced by a later modification only:
 *   `modifiedAt` (else the event's `occurredAt`), ties broken by arrival, never by which job ran last.
 * - **Dates**: `placedAt` (else the `order.created` event's `occurredAt`) is when the order was placed;
 *   a date after the hub received the event (a shop clock ahead, a typo) is read as the arrival time,
 *   so a future-dated order is in "the last 7 days" and in RFM alike.
 * Currency conversion needs the tenant's settings and happens in the store (ledger-store.ts).
 */
import { z } from 'zod';
import type { TriggerEvent } from '../bus/trigger-event.ts';

/** The tenant's currency until its settings say otherwise. */
export const DEFAULT_CURRENCY = 'EUR';

export const ORDER_EVENT_TYPES = ['order.created', 'order.status_changed'] as const;

/** Statuses that make an order a purchase (the hub's generic statuses, src/bus/catalog/commerce.ts). */
export const PURCHASE_STATUSES: ReadonlySet<string> = new Set(['processing', 'on_hold', 'shipped', 'delivered', 'completed']);

const Instant = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

/** What the ledger reads of an order event's data (the catalog validated the rest). */
const OrderFacts = z.object({
  orderId: z.string().min(1).max(256),
  status: z.string().min(1).max(64),
  total: z.object({ amount: z.number().finite(), currency: z.string().regex(/^[A-Za-z]{3}$/) }),
  refunded: z.number().finite().min(0).optional(),
  placedAt: Instant.optional(),
  modifiedAt: Instant.optional(),
  lines: z.array(z.object({ categories: z.array(z.string().max(200)).max(50).optional() }).loose()).max(1000).optional(),
  categories: z.array(z.string().max(200)).max(100).optional(),
});

export interface LedgerLine {
  tenantId: string;
  source: string;
  orderId: string;
  contactId: string;
  kind: 'order' | 'credit_note';
  status: string;
  counts: boolean;
  /** In the order's currency. */
  amount: number;
  refunded: number;
  currency: string;
  placedAt: Date;
  modifiedAt: Date;
  categories: string[];
  eventId: string;
  receivedAt: Date;
}

const notAfter = (date: Date, limit: Date) => (date.getTime() > limit.getTime() ? limit : date);

/** The order's ledger line, or why the event cannot make one. */
export function ledgerLine(event: Pick<TriggerEvent, 'id' | 'tenantId' | 'source' | 'type' | 'occurredAt' | 'receivedAt' | 'data'>, contactId: string): { line: LedgerLine } | { error: string } {
  const parsed = OrderFacts.safeParse(event.data);
  if (!parsed.success) return { error: `${event.type} ${event.id}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}` };
  const order = parsed.data;
  const received = event.receivedAt;
  const creditNote = order.total.amount < 0;
  const refunded = creditNote ? 0 : order.status === 'refunded' ? order.total.amount : Math.min(order.refunded ?? 0, order.total.amount);
  const placed = order.placedAt ?? event.occurredAt;
  const categories = new Set<string>();
  for (const category of [...(order.categories ?? []), ...(order.lines ?? []).flatMap((line) => line.categories ?? [])]) if (category.trim() !== '') categories.add(category.trim());
  return {
    line: {
      tenantId: event.tenantId,
      source: event.source,
      orderId: order.orderId,
      contactId,
      kind: creditNote ? 'credit_note' : 'order',
      status: order.status,
      counts: !creditNote && PURCHASE_STATUSES.has(order.status),
      amount: order.total.amount,
      refunded,
      currency: order.total.currency.toUpperCase(),
      placedAt: notAfter(placed, received),
      modifiedAt: notAfter(order.modifiedAt ?? event.occurredAt, received),
      categories: [...categories].sort(),
      eventId: event.id,
      receivedAt: received,
    },
  };
}

/** Of several lines of one order, the one the ledger keeps: the latest modification, then the latest arrival. */
export function latest(a: LedgerLine, b: LedgerLine): LedgerLine {
  const byModification = a.modifiedAt.getTime() - b.modifiedAt.getTime();
  if (byModification !== 0) return byModification > 0 ? a : b;
  return a.receivedAt.getTime() >= b.receivedAt.getTime() ? a : b;
}

/** The money a line adds to what its contact spent, in its own currency (before conversion). */
export const netAmount = (line: Pick<LedgerLine, 'kind' | 'counts' | 'amount' | 'refunded'>): number => (line.kind === 'credit_note' ? line.amount : line.counts ? line.amount - line.refunded : 0);
