/**
 * WooCommerce → hub events: pure decisions from a normalized payload and what the hub remembers of
 * the resource. WooCommerce sends the whole current resource, never "what changed", and may send it
 * late, twice or out of order (deliveries are queued by Action Scheduler and built at send time), so:
 * - a transition is computed against the remembered state (order status, stock level);
 * - a payload older than the remembered one (by `date_modified_gmt`) is stale and changes nothing;
 *   one with the same modification time and content is a replay;
 * - dedupe keys are the resource id + what happened + its modification time, so the bus absorbs
 *   any replay that slips through.
 * Orders, products and customers are decided here; carts (from the companion plugin) in cart-events.ts.
 * Their pure parts: order-status.ts (status and tracking), contact-mapping.ts (contacts and consent),
 * mapping-context.ts (what every decision is given and answers).
 */
import type { EventDraft, JsonObject } from '../../src/connectors/connector.ts';
import { couponEvents } from '../../src/connectors/coupon-events.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { personName } from '../../src/connectors/contact-fields.ts';
import { contactFromCustomer, contactFromOrder } from './contact-mapping.ts';
import { linesJson, money, type Decision, type MappingContext } from './mapping-context.ts';
import { DRAFT_STATUSES, mapOrderStatus, trackingOf, type HubOrderStatus } from './order-status.ts';
import type { WooCustomer, WooOrder, WooProduct } from './payloads.ts';

// ---------------------------------------------------------------------------------------------------
// Orders

export interface OrderMemory {
  status: HubOrderStatus | null;
  shopStatus: string;
  modified: string;
  fingerprint: string;
  /** order.created was published for it. */
  created: boolean;
}

function orderData(order: WooOrder, status: HubOrderStatus, ctx: MappingContext): JsonObject {
  const tracking = trackingOf(order.meta);
  return {
    orderId: order.id,
    number: order.number,
    status,
    total: money(order.total, order.currency, ctx),
    lines: linesJson(order.lines),
    ...(tracking.length > 0 ? { tracking: tracking as unknown as JsonValue } : {}),
    shop: ctx.shop,
  };
}

/** For an order first seen after install but created before: only a dated status proves it changed since. */
function changedSinceInstall(order: WooOrder, status: HubOrderStatus, installedAt: Date): boolean {
  if (status === 'shipped' || status === 'completed' || status === 'delivered') return order.completedAt !== undefined && order.completedAt >= installedAt;
  if (status === 'processing') return order.paidAt !== undefined && order.paidAt >= installedAt;
  return false;
}

export function orderDecision(topic: string, order: WooOrder, previous: OrderMemory | undefined, ctx: MappingContext, now: Date): Decision<OrderMemory> {
  const status = mapOrderStatus(order.shopStatus, order.meta, ctx.completedMeans);
  const modified = order.modified.key;
  const fingerprint = `${order.shopStatus}|${status ?? '-'}`;
  if (previous && modified !== '' && previous.modified !== '' && modified < previous.modified) {
    return { apply: false, note: `order ${order.id}: modified ${modified}, older than the ${previous.modified} the hub already has (a late or replayed delivery)` };
  }
  if (previous && modified === previous.modified && fingerprint === previous.fingerprint) {
    return { apply: false, note: `order ${order.id}: already handled (same modification time and status)` };
  }
  if (DRAFT_STATUSES.has(order.shopStatus)) return { apply: false, note: `order ${order.id}: status "${order.shopStatus}" is a draft, not an order yet` };

  const isNew = topic === 'order.created' || (order.createdAt !== undefined && order.createdAt >= ctx.installedAt);
  const events: EventDraft[] = [];
  const notes: string[] = [];
  const occurredAt = (order.modified.at ?? now).toISOString();
  let created = previous?.created ?? false;
  if (status === undefined) notes.push(`order ${order.id}: status "${order.shopStatus}" is not one the hub maps (remembered, nothing published)`);
  if (status !== undefined && !created && isNew) {
    const createdAt = (order.createdAt ?? order.modified.at ?? now).toISOString();
    const contact = contactFromOrder(order, ctx, { withConsent: true, now });
    events.push({ type: 'order.created', key: `order.created:${order.id}`, occurredAt: createdAt, data: orderData(order, status, ctx), contact });
    // The coupons it used (WooCommerce counts a coupon's use when the order is placed, as the hub announces it).
    events.push(...couponEvents(order.id, order.coupons, order.currency ?? 'EUR', createdAt, ctx, contact));
    created = true;
  } else if (status !== undefined) {
    const from = previous?.status ?? null;
    const changed = previous ? status !== from : changedSinceInstall(order, status, ctx.installedAt);
    if (changed) {
      events.push({
        type: 'order.status_changed',
        key: `order.status_changed:${order.id}:${from ?? 'unknown'}>${status}:${modified || fingerprint}`,
        occurredAt,
        data: { ...orderData(order, status, ctx), previousStatus: from, shopStatus: order.shopStatus },
        contact: contactFromOrder(order, ctx, { withConsent: false, now }),
      });
    } else if (!previous) {
      notes.push(`order ${order.id}: first seen after install, created before it; its status "${order.shopStatus}" is remembered, no change is assumed`);
    }
  }
  const memory: OrderMemory = {
    status: status ?? previous?.status ?? null,
    shopStatus: order.shopStatus,
    modified: previous && previous.modified > modified ? previous.modified : modified,
    fingerprint,
    created,
  };
  return { apply: true, memory, events, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// Products

export type StockLevel = 'ok' | 'low' | 'out';

export interface ProductMemory {
  level: StockLevel;
  modified: string;
  fingerprint: string;
}

/** out: cannot be bought · low: managed stock at or below the threshold · ok. Backorders can be bought: not out. */
export function stockLevel(product: WooProduct, threshold: number): StockLevel {
  if (product.stockStatus === 'outofstock') return 'out';
  if (product.manageStock && product.stockQuantity !== null && product.stockQuantity <= (product.lowStockAmount ?? threshold)) return 'low';
  return 'ok';
}

export function productDecision(product: WooProduct, previous: ProductMemory | undefined, ctx: MappingContext, now: Date): Decision<ProductMemory> {
  const threshold = product.lowStockAmount ?? ctx.lowStockThreshold;
  const level = stockLevel(product, ctx.lowStockThreshold);
  const modified = product.modified.key;
  const fingerprint = `${product.stockStatus ?? '-'}|${product.stockQuantity ?? '-'}`;
  if (product.stockStatus === undefined) return { apply: false, note: `product ${product.id}: the payload has no stock status` };
  if (previous && modified !== '' && previous.modified !== '' && modified < previous.modified) {
    return { apply: false, note: `product ${product.id}: modified ${modified}, older than the ${previous.modified} the hub already has` };
  }
  if (previous && modified === previous.modified && fingerprint === previous.fingerprint) return { apply: false, note: `product ${product.id}: already handled` };
  const type: string | undefined =
    level === previous?.level
      ? undefined
      : level === 'out'
        ? 'product.out_of_stock'
        : previous?.level === 'out'
          ? 'product.back_in_stock'
          : level === 'low'
            ? 'product.stock_low'
            : undefined;
  const events: EventDraft[] = type
    ? [
        {
          type,
          key: `${type}:${product.id}:${modified || fingerprint}`,
          occurredAt: (product.modified.at ?? now).toISOString(),
          data: {
            productId: product.id,
            name: product.name,
            ...(product.sku ? { sku: product.sku } : {}),
            stockQuantity: product.stockQuantity,
            lowStockThreshold: threshold,
            shop: ctx.shop,
          },
        },
      ]
    : [];
  const memory: ProductMemory = { level, modified: previous && previous.modified > modified ? previous.modified : modified, fingerprint };
  return { apply: true, memory, events };
}

// ---------------------------------------------------------------------------------------------------
// Customers

export function customerEvents(customer: WooCustomer, ctx: MappingContext, now: Date): EventDraft[] {
  const firstName = personName(customer.firstName ?? customer.billing.firstName);
  const lastName = personName(customer.lastName ?? customer.billing.lastName);
  return [
    {
      type: 'customer.created',
      key: `customer.created:${customer.id}`,
      occurredAt: (customer.createdAt ?? now).toISOString(),
      data: { customerId: customer.id, ...(firstName ? { firstName } : {}), ...(lastName ? { lastName } : {}), shop: ctx.shop },
      contact: contactFromCustomer(customer, ctx),
    },
  ];
}
