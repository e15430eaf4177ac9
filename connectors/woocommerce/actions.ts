/**
 * What the hub can do in the store: add an order note, read an order or a product (REST API wc/v3).
 * Each action is declared once: its manifest entry (id, title, input schema) next to its code.
 */
import { z } from 'zod';
import { defineAction } from '../../src/connectors/action.ts';
import type { ActionContext } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { clientFor } from './install.ts';
import type { Credentials, Settings } from './manifest.ts';
import { mapOrderStatus, trackingOf } from './order-status.ts';
import { parseOrder, parseProduct } from './payloads.ts';

type Context = ActionContext<Settings, Credentials>;

const client = (ctx: Context) => clientFor(ctx.settings.storeUrl, ctx.credentials, ctx.network);

const Id = z.union([z.number().int().positive(), z.string().regex(/^\d{1,20}$/, 'expected a WooCommerce id (digits)')]).transform(String);

const addOrderNote = defineAction({
  id: 'add-order-note',
  title: 'Add an order note',
  description: 'Adds a note to an order (private, or shown to the customer).',
  input: z
    .object({
      orderId: Id,
      note: z.string().trim().min(1).max(5000),
      customerNote: z.boolean().default(false).describe('true: the customer sees it (WooCommerce emails it); false: a private note for the shop.'),
    })
    .strict(),
  async run({ orderId, note, customerNote }, ctx: Context) {
    const created = await client(ctx).addOrderNote(orderId, note, customerNote);
    return { noteId: String(created.id), orderId, note: created.note, customerNote: created.customer_note ?? customerNote, createdAt: created.date_created ?? null };
  },
});

const getOrder = defineAction({
  id: 'get-order',
  title: 'Read an order',
  description: 'The order as the hub sees it: status, total, customer, lines.',
  input: z.object({ orderId: Id }).strict(),
  async run({ orderId }, ctx: Context) {
    const parsed = parseOrder(await client(ctx).getOrder(orderId));
    if (!parsed.ok) throw new ExternalSystemError('invalid-response', `The store's order ${orderId} cannot be read: ${parsed.reason}`);
    const order = parsed.value;
    return {
      orderId: order.id,
      number: order.number,
      status: mapOrderStatus(order.shopStatus, order.meta, ctx.settings.completedMeans) ?? null,
      shopStatus: order.shopStatus,
      total: { amount: order.total ?? 0, currency: order.currency ?? null },
      customer: { customerId: order.customerId ?? null, ...order.billing },
      lines: order.lines,
      tracking: trackingOf(order.meta),
      createdAt: order.createdAt?.toISOString() ?? null,
      modifiedAt: order.modified.at?.toISOString() ?? null,
    } as unknown as JsonValue;
  },
});

const getProduct = defineAction({
  id: 'get-product',
  title: 'Read a product',
  description: 'A product\'s name, SKU, price and stock.',
  input: z.object({ productId: Id }).strict(),
  async run({ productId }, ctx: Context) {
    const raw = await client(ctx).getProduct(productId);
    const parsed = parseProduct(raw);
    if (!parsed.ok) throw new ExternalSystemError('invalid-response', `The store's product ${productId} cannot be read: ${parsed.reason}`);
    const product = parsed.value;
    return {
      productId: product.id,
      name: product.name,
      sku: product.sku ?? null,
      price: typeof raw.price === 'string' || typeof raw.price === 'number' ? String(raw.price) : null,
      manageStock: product.manageStock,
      stockQuantity: product.stockQuantity,
      stockStatus: product.stockStatus ?? null,
      lowStockAmount: product.lowStockAmount,
    };
  },
});

/** In the order the manifest lists them (GET /v1/connectors). */
export const actions = [addOrderNote, getOrder, getProduct];
