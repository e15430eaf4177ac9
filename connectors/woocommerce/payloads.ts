/**
 * WooCommerce webhook payloads → one normalized shape each, whatever API version built them.
 *
 * A webhook's payload is the REST representation of the resource in the webhook's API version,
 * built at delivery time (`WC_Webhook::build_payload`):
 * - wp_api_v3 / v2 (WooCommerce ≥ 3.0): `date_modified` in the site's time zone plus `*_gmt`
 *   twins, `meta_data`, products with `stock_status` (v3) or `in_stock` (v2).
 * - wp_api_v1: no `*_gmt` fields ("v1 API used UTC" for created/modified, local time for
 *   paid/completed: see WC_REST_Orders_V1_Controller), no `meta_data`, products with `in_stock`.
 * - legacy_v3 (the pre-3.0 "wc-api", still selectable on old stores): the resource wrapped in its
 *   name (`{"order": {…}}`), `created_at`/`updated_at` in UTC with a Z, `billing_address`, `title`.
 * Pure; lenient on purpose (strings for numbers, missing fields): what cannot be read is undefined,
 * and the mapping decides whether that is fatal.
 */
import { z } from 'zod';

export type PayloadShape = 'wp-api' | 'wp-api-v1' | 'legacy';

const text = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .optional()
  .catch(undefined);

const number = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const parsed = typeof value === 'number' ? value : Number.parseFloat(value);
    if (!Number.isFinite(parsed)) {
      ctx.issues.push({ code: 'custom', input: value, message: 'not a number' });
      return z.NEVER;
    }
    return parsed;
  })
  .optional()
  .catch(undefined);

const record = z.record(z.string(), z.unknown());

/** "2026-05-02T12:03:12" in UTC (a *_gmt field, or v1's created/modified) → Date. */
function utc(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  const date = new Date(/(?:Z|[+-]\d\d:?\d\d)$/.test(trimmed) ? trimmed : `${trimmed}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

export interface Address {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  country?: string;
}

function address(value: unknown): Address {
  const parsed = record.safeParse(value);
  if (!parsed.success) return {};
  const field = (key: string) => nonEmpty(text.parse(parsed.data[key]));
  return { firstName: field('first_name'), lastName: field('last_name'), email: field('email'), phone: field('phone'), country: field('country')?.toUpperCase() };
}

/** Modification time for ordering deliveries of one resource: an instant when known, else the raw text. */
export interface Modified {
  at: Date | undefined;
  /** Comparable within one store: the instant's ISO form, else the raw value, else "". */
  key: string;
}

function modified(at: Date | undefined, raw: unknown): Modified {
  if (at) return { at, key: at.toISOString() };
  return { at: undefined, key: typeof raw === 'string' ? raw : '' };
}

function shapeOf(payload: Record<string, unknown>): PayloadShape {
  if (payload.date_modified_gmt !== undefined || payload.date_created_gmt !== undefined || payload.meta_data !== undefined) return 'wp-api';
  return 'wp-api-v1';
}

/** The resource itself: legacy payloads wrap it in its name. */
function unwrap(payload: unknown, resource: 'order' | 'product' | 'customer'): { body: Record<string, unknown>; legacy: boolean } | undefined {
  const parsed = record.safeParse(payload);
  if (!parsed.success) return undefined;
  const wrapped = record.safeParse(parsed.data[resource]);
  if (wrapped.success && !('id' in parsed.data)) return { body: wrapped.data, legacy: true };
  return { body: parsed.data, legacy: false };
}

function metaOf(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(value)) return out;
  for (const entry of value) {
    const parsed = record.safeParse(entry);
    if (parsed.success && typeof parsed.data.key === 'string') out[parsed.data.key] = parsed.data.value;
  }
  return out;
}

export interface OrderLine {
  productId: string;
  name: string;
  quantity: number;
  total: number;
}

export interface WooOrder {
  shape: PayloadShape;
  id: string;
  number: string;
  /** WooCommerce's status slug: pending, processing, on-hold, completed… or a plugin's (delivered, shipped). */
  shopStatus: string;
  currency: string | undefined;
  total: number | undefined;
  customerId: string | undefined;
  billing: Address;
  createdAt: Date | undefined;
  modified: Modified;
  paidAt: Date | undefined;
  completedAt: Date | undefined;
  lines: OrderLine[];
  /** The coupons applied to the order (`coupon_lines`): code as stored (WooCommerce lower-cases it), discount tax included. */
  coupons: OrderCoupon[];
  meta: Record<string, unknown>;
}

export interface OrderCoupon {
  code: string;
  discount: number;
}

/**
 * `coupon_lines`: REST v1–v3 give `code`, `discount` (tax excluded) and `discount_tax`; the legacy
 * API gives `code` and `amount`.
 */
function coupons(value: unknown): OrderCoupon[] {
  if (!Array.isArray(value)) return [];
  const out: OrderCoupon[] = [];
  for (const entry of value) {
    const item = record.safeParse(entry);
    const code = item.success ? nonEmpty(text.parse(item.data.code)) : undefined;
    if (!item.success || code === undefined) continue;
    const discount = (number.parse(item.data.discount) ?? number.parse(item.data.amount) ?? 0) + (number.parse(item.data.discount_tax) ?? 0);
    out.push({ code, discount: Math.round(discount * 100) / 100 });
  }
  return out;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function lines(value: unknown): OrderLine[] {
  if (!Array.isArray(value)) return [];
  const out: OrderLine[] = [];
  for (const entry of value) {
    const item = record.safeParse(entry);
    if (!item.success) continue;
    const variation = text.parse(item.data.variation_id);
    const product = text.parse(item.data.product_id);
    const productId = variation !== undefined && variation !== '0' ? variation : product;
    const quantity = Math.round(number.parse(item.data.quantity) ?? 0);
    if (productId === undefined || quantity <= 0) continue;
    out.push({ productId, name: text.parse(item.data.name) ?? '', quantity, total: number.parse(item.data.total) ?? 0 });
  }
  return out;
}

export function parseOrder(payload: unknown): Parsed<WooOrder> {
  const found = unwrap(payload, 'order');
  if (!found) return { ok: false, reason: 'the payload is not a JSON object' };
  const { body, legacy } = found;
  const id = text.parse(body.id);
  const status = text.parse(body.status);
  if (id === undefined || id === '') return { ok: false, reason: 'the order payload has no id' };
  if (status === undefined || status === '') return { ok: false, reason: `order ${id}: the payload has no status` };
  if (legacy) {
    const payment = record.safeParse(body.payment_details);
    const created = utc(body.created_at);
    return {
      ok: true,
      value: {
        shape: 'legacy',
        id,
        number: text.parse(body.order_number) ?? id,
        shopStatus: status,
        currency: nonEmpty(text.parse(body.currency)),
        total: number.parse(body.total),
        customerId: nonEmpty(text.parse(body.customer_id)),
        billing: address(body.billing_address),
        createdAt: created,
        modified: modified(utc(body.updated_at), body.updated_at),
        paidAt: payment.success && payment.data.paid === true ? created : undefined,
        completedAt: utc(body.completed_at),
        lines: lines(body.line_items),
        coupons: coupons(body.coupon_lines),
        meta: {},
      },
    };
  }
  const shape = shapeOf(body);
  const gmt = shape === 'wp-api';
  return {
    ok: true,
    value: {
      shape,
      id,
      number: text.parse(body.number) ?? id,
      shopStatus: status,
      currency: nonEmpty(text.parse(body.currency)),
      total: number.parse(body.total),
      customerId: nonEmpty(text.parse(body.customer_id)),
      billing: address(body.billing),
      createdAt: utc(gmt ? body.date_created_gmt : body.date_created),
      modified: modified(utc(gmt ? body.date_modified_gmt : body.date_modified), body.date_modified),
      // v1 gives paid/completed in the site's local time: unusable as instants, left out.
      paidAt: gmt ? utc(body.date_paid_gmt) : undefined,
      completedAt: gmt ? utc(body.date_completed_gmt) : undefined,
      lines: lines(body.line_items),
      coupons: coupons(body.coupon_lines),
      meta: metaOf(body.meta_data),
    },
  };
}

export type StockStatus = 'instock' | 'outofstock' | 'onbackorder';

export interface WooProduct {
  shape: PayloadShape;
  id: string;
  name: string;
  sku: string | undefined;
  manageStock: boolean;
  stockQuantity: number | null;
  stockStatus: StockStatus | undefined;
  /** The product's own threshold (v3, WooCommerce ≥ 3.5); null: the store's default applies. */
  lowStockAmount: number | null;
  modified: Modified;
}

function stockStatus(body: Record<string, unknown>): StockStatus | undefined {
  const status = text.parse(body.stock_status);
  if (status === 'instock' || status === 'outofstock' || status === 'onbackorder') return status;
  // v1, v2 and legacy: `in_stock` (and `backordered`) instead of stock_status.
  if (body.in_stock === true) return body.backordered === true ? 'onbackorder' : 'instock';
  if (body.in_stock === false) return 'outofstock';
  return undefined;
}

export function parseProduct(payload: unknown): Parsed<WooProduct> {
  const found = unwrap(payload, 'product');
  if (!found) return { ok: false, reason: 'the payload is not a JSON object' };
  const { body, legacy } = found;
  const id = text.parse(body.id);
  if (id === undefined || id === '') return { ok: false, reason: 'the product payload has no id' };
  const quantity = number.parse(body.stock_quantity);
  const low = number.parse(body.low_stock_amount);
  const shape: PayloadShape = legacy ? 'legacy' : shapeOf(body);
  return {
    ok: true,
    value: {
      shape,
      id,
      name: text.parse(legacy ? body.title : body.name) ?? `#${id}`,
      sku: nonEmpty(text.parse(body.sku)),
      manageStock: (legacy ? body.managing_stock : body.manage_stock) === true,
      stockQuantity: quantity === undefined ? null : Math.trunc(quantity),
      stockStatus: stockStatus(body),
      lowStockAmount: low === undefined ? null : Math.trunc(low),
      modified: legacy
        ? modified(utc(body.updated_at), body.updated_at)
        : modified(utc(shape === 'wp-api' ? body.date_modified_gmt : body.date_modified), body.date_modified),
    },
  };
}

export interface WooCustomer {
  shape: PayloadShape;
  id: string;
  email: string | undefined;
  firstName: string | undefined;
  lastName: string | undefined;
  billing: Address;
  createdAt: Date | undefined;
}

export function parseCustomer(payload: unknown): Parsed<WooCustomer> {
  const found = unwrap(payload, 'customer');
  if (!found) return { ok: false, reason: 'the payload is not a JSON object' };
  const { body, legacy } = found;
  const id = text.parse(body.id);
  if (id === undefined || id === '') return { ok: false, reason: 'the customer payload has no id' };
  const shape: PayloadShape = legacy ? 'legacy' : shapeOf(body);
  return {
    ok: true,
    value: {
      shape,
      id,
      email: nonEmpty(text.parse(body.email)),
      firstName: nonEmpty(text.parse(body.first_name)),
      lastName: nonEmpty(text.parse(body.last_name)),
      billing: address(legacy ? body.billing_address : body.billing),
      createdAt: legacy ? utc(body.created_at) : utc(shape === 'wp-api' ? body.date_created_gmt : body.date_created),
    },
  };
}

/** What the companion WordPress plugin posts (plugins/wordpress/connector-hub, `Connector_Hub_Payload`). */
export const PluginCartSchema = z.object({
  type: z.literal('cart.updated'),
  id: z.string().min(1).max(100),
  cartId: z.string().min(1).max(100),
  updatedAt: z.iso.datetime({ offset: true }),
  customer: z
    .object({
      email: z.string().max(254).optional(),
      phone: z.string().max(64).optional(),
      firstName: z.string().max(100).optional(),
      lastName: z.string().max(100).optional(),
      country: z.string().max(2).optional(),
    })
    .default({}),
  consent: z.object({ sms: z.boolean(), text: z.string().max(2000).optional(), at: z.iso.datetime({ offset: true }).optional() }).optional(),
  currency: z.string().length(3).optional(),
  total: z.number(),
  lines: z.array(z.object({ productId: z.union([z.string(), z.number()]).transform(String), name: z.string(), quantity: z.number(), total: z.number() })).max(500),
  recoveryUrl: z.string().max(2048).optional(),
});

const PluginCartEmptiedSchema = z.object({ type: z.literal('cart.emptied'), id: z.string().min(1).max(100), cartId: z.string().min(1).max(100), updatedAt: z.iso.datetime({ offset: true }) });

export const PluginMessageSchema = z.discriminatedUnion('type', [
  PluginCartSchema,
  PluginCartEmptiedSchema,
  z.object({ type: z.literal('plugin.ping'), id: z.string().max(100).optional() }),
]);

export type PluginCart = z.infer<typeof PluginCartSchema>;
