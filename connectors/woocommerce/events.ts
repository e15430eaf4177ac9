/**
 * WooCommerce → hub events: pure decisions from a normalized payload and what the hub remembers of
 * the resource. WooCommerce sends the whole current resource, never "what changed", and may send it
 * late, twice or out of order (deliveries are queued by Action Scheduler and built at send time), so:
 * - a transition is computed against the remembered state (order status, stock level);
 * - a payload older than the remembered one (by `date_modified_gmt`) is stale and changes nothing;
 *   one with the same modification time and content is a replay;
 * - dedupe keys are the resource id + what happened + its modification time, so the bus absorbs
 *   any replay that slips through.
 */
import type { z } from 'zod';
import type { OrderStatusSchema } from '../../src/bus/catalog/commerce.ts';
import type { EventDraft, JsonObject, TimerOps } from '../../src/connectors/connector.ts';
import { normalizePhone, toPhoneRegion } from '../../src/contacts/phone.ts';
import { EmailSchema, type ContactInput } from '../../src/contacts/schemas.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import type { Address, OrderLine, PluginCart, WooCustomer, WooOrder, WooProduct } from './payloads.ts';

export type HubOrderStatus = z.infer<typeof OrderStatusSchema>;

export interface MappingContext {
  shop: { installationId: string; url: string; name: string };
  /** When the installation was created: an order created before it and seen for the first time proves no transition. */
  installedAt: Date;
  completedMeans: 'shipped' | 'completed';
  /** The store's low-stock threshold (or the installation's override). */
  lowStockThreshold: number;
  defaultCurrency: string;
  /** The store's host: customer ids are only unique within one store. */
  host: string;
  abandonedCartDelayMinutes: number;
}

/** What a handler does with one payload: nothing (and why), or new memory and events. */
export type Decision<Memory> = { apply: false; note: string } | { apply: true; memory: Memory; events: EventDraft[]; timers?: TimerOps; note?: string };

// ---------------------------------------------------------------------------------------------------
// Order statuses

/** Never delivered by WooCommerce's own webhooks (WC_Webhook::is_valid_resource), but plugins send anything. */
const DRAFT_STATUSES: ReadonlySet<string> = new Set(['checkout-draft', 'auto-draft', 'draft', 'trash', 'new']);

export interface Tracking {
  number: string;
  provider?: string;
  url?: string;
}

const asArray = (value: unknown): Record<string, unknown>[] =>
  (Array.isArray(value) ? value : []).filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null);

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined);

/** Parcels recorded by WooCommerce Shipment Tracking or Advanced Shipment Tracking (meta `_wc_shipment_tracking_items`). */
export function trackingOf(meta: Record<string, unknown>): Tracking[] {
  return asArray(meta._wc_shipment_tracking_items).flatMap((item) => {
    const number = str(item.tracking_number);
    if (number === undefined) return [];
    const provider = str(item.custom_tracking_provider) ?? str(item.tracking_provider) ?? str(item.formatted_tracking_provider);
    const url = str(item.custom_tracking_link) ?? str(item.formatted_tracking_link) ?? str(item.tracking_link);
    return [{ number, ...(provider ? { provider } : {}), ...(url ? { url } : {}) }];
  });
}

/**
 * A tracking plugin says the parcel arrived: TrackShip / Advanced Shipment Tracking keep the
 * carrier's status in meta `shipment_status` (a list, newest last) or on each tracking item.
 */
export function trackingSaysDelivered(meta: Record<string, unknown>): boolean {
  const history = asArray(meta.shipment_status);
  if (history.length > 0 && str(history[history.length - 1]!.status) === 'delivered') return true;
  const items = asArray(meta._wc_shipment_tracking_items);
  return items.length > 0 && items.every((item) => (str(item.status) ?? str(item.shipment_status) ?? str(item.tracking_status)) === 'delivered');
}

/**
 * WooCommerce's status → the hub's generic one; undefined for drafts and statuses the hub does not
 * know (a plugin's own), which are remembered but publish nothing.
 */
export function mapOrderStatus(shopStatus: string, meta: Record<string, unknown>, completedMeans: 'shipped' | 'completed'): HubOrderStatus | undefined {
  switch (shopStatus) {
    case 'pending':
      return 'pending';
    case 'processing':
      return 'processing';
    case 'on-hold':
      return 'on_hold';
    case 'completed':
      return trackingSaysDelivered(meta) ? 'delivered' : completedMeans;
    // Custom statuses of tracking plugins (AST: wc-shipped, wc-partial-shipped, wc-delivered).
    case 'shipped':
    case 'partial-shipped':
      return trackingSaysDelivered(meta) ? 'delivered' : 'shipped';
    case 'delivered':
      return 'delivered';
    case 'cancelled':
      return 'cancelled';
    case 'refunded':
      return 'refunded';
    case 'failed':
      return 'failed';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Contacts

/** Consent recorded by the companion plugin at checkout (order meta, `Connector_Hub_Checkout`). */
export const CONSENT_META = '_connector_hub_sms_consent';
export const CONSENT_AT_META = '_connector_hub_sms_consent_at';
export const CONSENT_TEXT_META = '_connector_hub_sms_consent_text';
export const CART_ID_META = '_connector_hub_cart_id';

const YES = new Set(['yes', '1', 'true', 'on']);

function email(value: string | undefined): string | undefined {
  const parsed = EmailSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** E.164 read in the billing country when known; without a country the contacts part reads it in the tenant's region. */
export function phoneOf(phone: string | undefined, country: string | undefined): string | undefined {
  if (phone === undefined || phone.trim() === '') return undefined;
  const region = toPhoneRegion(country);
  if (region === undefined) return phone.trim();
  const result = normalizePhone(phone, region);
  return result.ok ? result.e164 : undefined;
}

const name = (value: string | undefined) => (value === undefined ? undefined : value.trim().slice(0, 100) || undefined);

function contact(fields: { phone?: string | undefined; email?: string | undefined; firstName?: string | undefined; lastName?: string | undefined; customerId?: string | undefined }, ctx: MappingContext): ContactInput | undefined {
  const input: ContactInput = {};
  if (fields.phone !== undefined) input.phone = fields.phone;
  if (fields.email !== undefined) input.email = fields.email;
  if (fields.firstName !== undefined) input.firstName = fields.firstName;
  if (fields.lastName !== undefined) input.lastName = fields.lastName;
  if (fields.customerId !== undefined && fields.customerId !== '0') input.externalIds = { woocommerce: `${fields.customerId}@${ctx.host}` };
  return input.phone === undefined && input.email === undefined && input.externalIds === undefined ? undefined : input;
}

function fromAddress(billing: Address, customerId: string | undefined, ctx: MappingContext, fallbackEmail?: string) {
  return contact(
    { phone: phoneOf(billing.phone, billing.country), email: email(billing.email ?? fallbackEmail), firstName: name(billing.firstName), lastName: name(billing.lastName), customerId },
    ctx,
  );
}

function validPast(value: unknown, now: Date): string | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getTime() > now.getTime() + 5 * 60_000) return undefined;
  return date.toISOString();
}

export function contactFromOrder(order: WooOrder, ctx: MappingContext, options: { withConsent: boolean; now: Date }): ContactInput | undefined {
  const input = fromAddress(order.billing, order.customerId, ctx);
  if (!input || !options.withConsent) return input;
  const consent = str(order.meta[CONSENT_META])?.toLowerCase();
  // An unticked box is no answer, not a withdrawal: only a tick is recorded.
  if (consent !== undefined && YES.has(consent) && input.phone !== undefined) {
    const at = validPast(order.meta[CONSENT_AT_META], options.now) ?? order.createdAt?.toISOString() ?? options.now.toISOString();
    const wording = str(order.meta[CONSENT_TEXT_META]);
    input.consent = { sms: { status: 'granted', at, source: 'woocommerce-checkout', proof: `${wording ?? 'checkbox ticked at checkout'} (order ${order.number}, ${ctx.shop.url})`.slice(0, 2000) } };
  }
  return input;
}

export function contactFromCustomer(customer: WooCustomer, ctx: MappingContext): ContactInput | undefined {
  return contact(
    {
      phone: phoneOf(customer.billing.phone, customer.billing.country),
      email: email(customer.email ?? customer.billing.email),
      firstName: name(customer.firstName ?? customer.billing.firstName),
      lastName: name(customer.lastName ?? customer.billing.lastName),
      customerId: customer.id,
    },
    ctx,
  );
}

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

function money(amount: number | undefined, currency: string | undefined, ctx: MappingContext) {
  const code = (currency ?? ctx.defaultCurrency).toUpperCase();
  return { amount: amount ?? 0, currency: /^[A-Z]{3}$/.test(code) ? code : ctx.defaultCurrency };
}

function linesJson(lines: OrderLine[]): JsonValue[] {
  return lines.map((line) => ({ productId: line.productId, name: line.name, quantity: line.quantity, total: line.total }));
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
    events.push({
      type: 'order.created',
      key: `order.created:${order.id}`,
      occurredAt: (order.createdAt ?? order.modified.at ?? now).toISOString(),
      data: orderData(order, status, ctx),
      contact: contactFromOrder(order, ctx, { withConsent: true, now }),
    });
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
  const firstName = name(customer.firstName ?? customer.billing.firstName);
  const lastName = name(customer.lastName ?? customer.billing.lastName);
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

// ---------------------------------------------------------------------------------------------------
// Carts (from the companion plugin) and their abandonment

export type CartStatus = 'open' | 'ordered' | 'abandoned' | 'emptied';

export interface CartMemory {
  cartId: string;
  status: CartStatus;
  /** The plugin's `updatedAt`: a newer cart replaces the timer of an older one. */
  rev: string;
  email: string | null;
  phone: string | null;
  contact: JsonObject | null;
  total: { amount: number; currency: string };
  lines: JsonValue[];
  recoveryUrl: string;
}

export const cartKey = (cartId: string) => `cart:${cartId}`;

export function cartDecision(cart: PluginCart, previous: CartMemory | undefined, ctx: MappingContext, now: Date): Decision<CartMemory> {
  const rev = new Date(cart.updatedAt).toISOString();
  if (previous && rev <= previous.rev) return { apply: false, note: `cart ${cart.cartId}: updated ${rev}, not newer than the ${previous.rev} the hub has` };
  const phone = phoneOf(cart.customer.phone, cart.customer.country);
  const mail = email(cart.customer.email);
  const base = contact({ phone, email: mail, firstName: name(cart.customer.firstName), lastName: name(cart.customer.lastName) }, ctx);
  if (!base) return { apply: false, note: `cart ${cart.cartId}: no valid email or phone yet, nobody to remind` };
  const withConsent: ContactInput = { ...base };
  if (cart.consent?.sms && base.phone !== undefined) {
    withConsent.consent = {
      sms: {
        status: 'granted',
        at: validPast(cart.consent.at, now) ?? validPast(cart.updatedAt, now) ?? now.toISOString(),
        source: 'woocommerce-checkout',
        proof: `${cart.consent.text ?? 'checkbox ticked at checkout'} (cart ${cart.cartId}, ${ctx.shop.url})`.slice(0, 2000),
      },
    };
  }
  const total = money(cart.total, cart.currency, ctx);
  const lines = cart.lines.filter((line) => Math.round(line.quantity) > 0).map((line) => ({ ...line, quantity: Math.round(line.quantity) }));
  const recoveryUrl = cart.recoveryUrl ?? ctx.shop.url;
  const memory: CartMemory = {
    cartId: cart.cartId,
    status: 'open',
    rev,
    email: mail ?? null,
    phone: base.phone ?? null,
    contact: base as JsonObject,
    total,
    lines: linesJson(lines),
    recoveryUrl,
  };
  const key = cartKey(cart.cartId);
  return {
    apply: true,
    memory,
    events: [
      {
        type: 'cart.updated',
        key: `cart.updated:${cart.cartId}:${rev}`,
        occurredAt: rev,
        data: { cartId: cart.cartId, total, lines: memory.lines, recoveryUrl, shop: ctx.shop },
        contact: withConsent,
      },
    ],
    timers: {
      ...(previous?.status === 'open' ? { cancel: [{ key, rev: previous.rev }] } : {}),
      set: [{ key, rev, delayMs: ctx.abandonedCartDelayMinutes * 60_000 }],
    },
  };
}

export function cartEmptiedDecision(cartId: string, updatedAt: string, previous: CartMemory | undefined): Decision<CartMemory> {
  const rev = new Date(updatedAt).toISOString();
  if (!previous) return { apply: false, note: `cart ${cartId}: emptied before the hub saw it` };
  if (rev <= previous.rev) return { apply: false, note: `cart ${cartId}: emptied at ${rev}, not newer than ${previous.rev}` };
  return {
    apply: true,
    memory: { ...previous, status: 'emptied', rev },
    events: [],
    ...(previous.status === 'open' ? { timers: { cancel: [{ key: cartKey(cartId), rev: previous.rev }] } } : {}),
  };
}

/** The cart's timer fired: abandoned unless an order, a newer cart or an empty cart came first. */
export function cartTimerDecision(rev: string, previous: CartMemory | undefined, ctx: MappingContext, now: Date): Decision<CartMemory> {
  if (!previous) return { apply: false, note: 'timer for a cart the hub does not know' };
  if (previous.rev !== rev) return { apply: false, note: `cart ${previous.cartId}: changed since this timer was set (a newer timer decides)` };
  if (previous.status !== 'open') return { apply: false, note: `cart ${previous.cartId}: ${previous.status}, not abandoned` };
  return {
    apply: true,
    memory: { ...previous, status: 'abandoned' },
    events: [
      {
        type: 'cart.abandoned',
        key: `cart.abandoned:${previous.cartId}:${rev}`,
        occurredAt: now.toISOString(),
        data: {
          cartId: previous.cartId,
          total: previous.total,
          lines: previous.lines,
          recoveryUrl: previous.recoveryUrl,
          abandonedAfterMinutes: Math.round(ctx.abandonedCartDelayMinutes),
          shop: ctx.shop,
        },
        ...(previous.contact ? { contact: previous.contact as ContactInput } : {}),
      },
    ],
  };
}

/** An order closes the carts of the same shopper (by the plugin's cart id, email or phone): their timers are cancelled. */
export function cartsClosedByOrder(carts: CartMemory[]): { memory: CartMemory[]; timers: TimerOps } {
  const closing = carts.filter((cart) => cart.status === 'open' || cart.status === 'abandoned');
  return {
    memory: closing.map((cart) => ({ ...cart, status: 'ordered' })),
    timers: { cancel: closing.filter((cart) => cart.status === 'open').map((cart) => ({ key: cartKey(cart.cartId), rev: cart.rev })) },
  };
}
