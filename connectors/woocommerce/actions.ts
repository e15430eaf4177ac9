/** What the hub can do in the store: add an order note, read an order or a product (REST API wc/v3). */
import type { ActionDefinition, InstallationContext } from '../../src/connectors/connector.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { mapOrderStatus, trackingOf } from './events.ts';
import { clientFor } from './install.ts';
import { AddOrderNoteInput, GetOrderInput, GetProductInput, type Credentials, type Settings } from './manifest.ts';
import { parseOrder, parseProduct } from './payloads.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';

type Context = InstallationContext<Settings, Credentials>;

const client = (ctx: Context) => clientFor(ctx.settings.storeUrl, ctx.credentials, ctx.network);

export const actions: Record<string, ActionDefinition<Settings, Credentials>> = {
  'add-order-note': {
    async run(input, ctx: Context) {
      const { orderId, note, customerNote } = AddOrderNoteInput.parse(input);
      const created = await client(ctx).addOrderNote(orderId, note, customerNote);
      return { noteId: String(created.id), orderId, note: created.note, customerNote: created.customer_note ?? customerNote, createdAt: created.date_created ?? null };
    },
  },
  'get-order': {
    async run(input, ctx: Context) {
      const { orderId } = GetOrderInput.parse(input);
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
  },
  'get-product': {
    async run(input, ctx: Context) {
      const { productId } = GetProductInput.parse(input);
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
  },
};
