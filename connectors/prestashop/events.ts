/**
 * PrestaShop → hub events: pure decisions from an order, a stock level or a customer (from the
 * module's hooks or the backstop poll, normalized to the same shapes) and what the hub remembers.
 * The hook path and the poll share the memory and the event keys, so whichever comes second finds
 * the state already known and publishes nothing: an order seen by both is announced once.
 */
import type { EventDraft, JsonObject } from '../../src/connectors/connector.ts';
import { couponEvents } from '../../src/connectors/coupon-events.ts';
import type { Decision } from '../../src/connectors/decision.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { CONSENT_SOURCE, contactOf, statusOf, withConsent, type HubOrderStatus, type ShopContext } from './mapping.ts';
import type { PsCustomer, PsConsent, PsOrder, PsAddress } from './payloads.ts';

export interface OrderMemory {
  stateId: number;
  status: HubOrderStatus | null;
  /** When the shop last changed it (the hook's occurredAt or the order's date_upd): older news changes nothing. */
  at: string;
  created: boolean;
}

export const orderKey = (orderId: number) => `order:${orderId}`;

function orderData(order: PsOrder, status: HubOrderStatus, ctx: ShopContext): JsonObject {
  return {
    orderId: String(order.orderId),
    ...(order.reference ? { number: order.reference } : {}),
    status,
    total: { amount: order.total, currency: order.currency ?? 'EUR' },
    lines: order.lines.filter((line) => Math.round(line.quantity) > 0).map((line) => ({ productId: String(line.productId), name: line.name, quantity: Math.round(line.quantity), total: line.total })),
    ...(order.trackingNumber ? { tracking: [{ number: order.trackingNumber }] } : {}),
    shop: ctx.shop,
  };
}

function orderContact(order: PsOrder, ctx: ShopContext, now: Date, consent: PsConsent | null | undefined) {
  const contact = contactOf(order.customer, order.invoiceAddress ?? order.deliveryAddress, ctx);
  return withConsent(contact, consent, `order ${order.reference ?? order.orderId}, ${ctx.shop.url}`, CONSENT_SOURCE, order.createdAt ?? '', now);
}

/**
 * `created`: the module's order.created (or an order the poll finds created after install).
 * The previous state is the hook's when it gives one, else the remembered one.
 */
export function orderDecision(order: PsOrder, occurredAt: string, source: 'created' | 'status' | 'poll', previous: OrderMemory | undefined, ctx: ShopContext, now: Date): Decision<OrderMemory> {
  const at = new Date(occurredAt).toISOString();
  if (previous && at < previous.at) return { apply: false, note: `order ${order.orderId}: news from ${at}, older than the ${previous.at} the hub has (a late or replayed message)` };
  if (previous && previous.stateId === order.state.id && (previous.created || source !== 'created')) {
    return { apply: false, note: `order ${order.orderId}: already in state "${order.state.name}" for the hub` };
  }
  const status = statusOf(order.state);
  const notes: string[] = [];
  const events: EventDraft[] = [];
  if (status === undefined) notes.push(`order ${order.orderId}: state "${order.state.name}" (#${order.state.id}) is a custom state the hub does not map (remembered, nothing published)`);
  const isNew = source === 'created' || (source === 'poll' && !previous && order.createdAt !== null && order.createdAt !== undefined && new Date(order.createdAt) >= ctx.installedAt);
  let created = previous?.created ?? false;
  if (!created && isNew) {
    created = true;
    if (status !== undefined) {
      const occurred = new Date(order.createdAt ?? at).toISOString();
      const contact = orderContact(order, ctx, now, order.consent);
      events.push({ type: 'order.created', key: `order.created:${order.orderId}`, occurredAt: occurred, data: orderData(order, status, ctx), contact });
      events.push(...couponEvents(order.orderId, order.coupons, order.currency ?? 'EUR', occurred, ctx, contact));
    }
  } else if (status !== undefined) {
    const fromState = source === 'status' && order.previousState ? order.previousState : previous ? { id: previous.stateId, role: null } : undefined;
    if (fromState === undefined) {
      notes.push(`order ${order.orderId}: first seen by the poll, created before the install; its state "${order.state.name}" is remembered, no change is assumed`);
    } else {
      const from = source === 'status' && order.previousState ? (statusOf(order.previousState) ?? null) : (previous?.status ?? null);
      events.push({
        type: 'order.status_changed',
        key: `order.status_changed:${order.orderId}:${fromState.id}>${order.state.id}`,
        occurredAt: at,
        data: { ...orderData(order, status, ctx), previousStatus: from, shopStatus: order.state.name },
        contact: orderContact(order, ctx, now, undefined),
      });
    }
  }
  const memory: OrderMemory = { stateId: order.state.id, status: status ?? null, at: previous && previous.at > at ? previous.at : at, created };
  return { apply: true, memory, events, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// Stock

export type StockLevel = 'ok' | 'low' | 'out';

export interface StockMemory {
  level: StockLevel;
  quantity: number;
  at: string;
}

export interface StockChange {
  productId: number;
  combinationId: number;
  name: string;
  reference?: string | null | undefined;
  quantity: number;
  lowStockThreshold?: number | null | undefined;
}

export const stockKey = (change: Pick<StockChange, 'productId' | 'combinationId'>) => `product:${change.productId}:${change.combinationId}`;

export function stockLevel(quantity: number, threshold: number): StockLevel {
  if (quantity <= 0) return 'out';
  return quantity <= threshold ? 'low' : 'ok';
}

const STOCK_EVENT: Record<StockLevel, 'product.back_in_stock' | 'product.stock_low' | 'product.out_of_stock'> = { ok: 'product.back_in_stock', low: 'product.stock_low', out: 'product.out_of_stock' };

/** ok→low: stock_low · any→out: out_of_stock · out→ok or low: back_in_stock (low after out is back in stock first). First seen: low and out are news, ok is not. */
export function stockDecision(change: StockChange, occurredAt: string, previous: StockMemory | undefined, ctx: ShopContext): Decision<StockMemory> {
  const at = new Date(occurredAt).toISOString();
  if (previous && at < previous.at) return { apply: false, note: `product ${change.productId}/${change.combinationId}: stock news from ${at}, older than ${previous.at}` };
  const threshold = change.lowStockThreshold ?? ctx.lowStockThreshold;
  const level = stockLevel(change.quantity, threshold);
  const memory: StockMemory = { level, quantity: change.quantity, at };
  const from = previous?.level ?? 'ok';
  if (level === from) return { apply: true, memory, events: [] };
  const type = from === 'out' ? 'product.back_in_stock' : STOCK_EVENT[level];
  const id = change.combinationId > 0 ? `${change.productId}-${change.combinationId}` : String(change.productId);
  const data: JsonObject = {
    productId: id,
    name: change.name,
    ...(change.reference ? { sku: change.reference } : {}),
    stockQuantity: change.quantity,
    lowStockThreshold: threshold,
    shop: ctx.shop,
  };
  return { apply: true, memory, events: [{ type, key: `${type}:${id}:${at}`, occurredAt: at, data }] };
}

// ---------------------------------------------------------------------------------------------------
// Customers

export function customerEvents(customer: PsCustomer, address: PsAddress | null | undefined, consent: PsConsent | null | undefined, occurredAt: string, ctx: ShopContext, now: Date): EventDraft[] {
  const contact = withConsent(contactOf(customer, address, ctx), consent, `registration, ${ctx.shop.url}`, CONSENT_SOURCE, occurredAt, now);
  const data: JsonValue = {
    customerId: String(customer.customerId),
    ...(customer.firstName ? { firstName: customer.firstName } : {}),
    ...(customer.lastName ? { lastName: customer.lastName } : {}),
    shop: ctx.shop,
  };
  return [{ type: 'customer.created', key: `customer.created:${customer.customerId}`, occurredAt: new Date(customer.createdAt ?? occurredAt).toISOString(), data, ...(contact ? { contact } : {}) }];
}
