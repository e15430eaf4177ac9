import { z } from 'zod';
import { defineEventType } from './define.ts';

/** The hub's generic order statuses; each shop connector maps its own statuses onto these. */
export const OrderStatusSchema = z.enum(['pending', 'processing', 'on_hold', 'ready_for_pickup', 'shipped', 'delivered', 'completed', 'cancelled', 'refunded', 'failed']);

export const Money = z.object({ amount: z.number(), currency: z.string().length(3) });

/** The shop an event comes from, when a connector installation produced it (a tenant may run several shops). */
export const Shop = z.object({ installationId: z.string(), url: z.string(), name: z.string() }).optional();

/** A product category as the shop names it ("maquillage", "soins-corps"); scenarios compare them exactly. */
const Category = z.string().min(1).max(100);

const OrderLine = z.object({
  productId: z.string(),
  name: z.string(),
  quantity: z.number().int().positive(),
  total: z.number(),
  categories: z.array(Category).max(20).optional().describe('The product\'s categories in the shop.'),
});

const Order = z.object({
  orderId: z.string(),
  number: z.string().optional(),
  status: OrderStatusSchema,
  total: Money,
  /** What was refunded of the total so far, in its currency (a negative total is a credit note). */
  refunded: z.number().min(0).optional(),
  /** When the customer placed the order; default: the occurredAt of its order.created. */
  placedAt: z.iso.datetime({ offset: true }).optional(),
  /** When the shop last changed it: of two states of one order, the later modification wins; default: occurredAt. */
  modifiedAt: z.iso.datetime({ offset: true }).optional(),
  lines: z.array(OrderLine).default([]),
  url: z.string().optional(),
  /** Parcels the shop's tracking plugin recorded (WooCommerce Shipment Tracking, AST…). */
  tracking: z.array(z.object({ number: z.string(), provider: z.string().optional(), url: z.string().optional() })).optional(),
  /** The categories of the order's lines, once each: filled from the lines when the sender gives none (predicates cannot read into lists of lines). */
  categories: z.array(Category).max(100).optional(),
  shop: Shop,
});

/** Fills `categories` from the lines: what per-category scenarios filter on (`event.data.categories contains "maquillage"`). */
function withLineCategories<Data extends { categories?: string[] | undefined; lines: { categories?: string[] | undefined }[] }>(data: Data): Data {
  if (data.categories !== undefined) return data;
  const categories = [...new Set(data.lines.flatMap((line) => line.categories ?? []))];
  return categories.length === 0 ? data : { ...data, categories };
}

const exampleOrder = {
  orderId: '1234',
  number: '1234',
  status: 'processing' as const,
  total: { amount: 59.9, currency: 'EUR' },
  lines: [{ productId: '77', name: 'Bougie parfumée', quantity: 2, total: 59.9, categories: ['bougies'] }],
};

export const commerceEvents = [
  defineEventType({
    type: 'order.created',
    title: 'Order created',
    description: 'A customer placed an order in a shop.',
    // overwrite, not transform: the output keeps its JSON Schema, which template checks read.
    data: Order.overwrite(withLineCategories),
    example: exampleOrder,
  }),
  defineEventType({
    type: 'order.status_changed',
    title: 'Order status changed',
    description: 'An order moved from one status to another (preparing, shipped, delivered…).',
    data: Order.extend({ previousStatus: OrderStatusSchema.nullable(), shopStatus: z.string() }).overwrite(withLineCategories),
    example: { ...exampleOrder, status: 'shipped' as const, previousStatus: 'processing' as const, shopStatus: 'completed' },
  }),
  defineEventType({
    type: 'cart.updated',
    title: 'Cart updated',
    description: 'A shopper with a known phone or email changed their cart; the hub decides abandonment.',
    data: z.object({ cartId: z.string(), total: Money, lines: z.array(OrderLine), recoveryUrl: z.string().optional(), shop: Shop }),
    example: { cartId: 'c-981', total: { amount: 42, currency: 'EUR' }, lines: [{ productId: '77', name: 'Bougie parfumée', quantity: 1, total: 42 }] },
  }),
  defineEventType({
    type: 'cart.abandoned',
    title: 'Cart abandoned',
    description: 'A cart saw no order within the tenant\'s delay (1 hour by default).',
    data: z.object({ cartId: z.string(), total: Money, lines: z.array(OrderLine), recoveryUrl: z.string().optional(), abandonedAfterMinutes: z.number().int(), shop: Shop }),
    example: { cartId: 'c-981', total: { amount: 42, currency: 'EUR' }, lines: [{ productId: '77', name: 'Bougie parfumée', quantity: 1, total: 42 }], abandonedAfterMinutes: 60 },
  }),
  ...(['stock_low', 'out_of_stock', 'back_in_stock'] as const).map((kind) =>
    defineEventType({
      type: `product.${kind}`,
      title: { stock_low: 'Product stock low', out_of_stock: 'Product out of stock', back_in_stock: 'Product back in stock' }[kind],
      description: {
        stock_low: 'A product\'s stock fell to or below its low-stock threshold.',
        out_of_stock: 'A product can no longer be bought.',
        back_in_stock: 'A product that was out of stock can be bought again.',
      }[kind],
      data: z.object({ productId: z.string(), name: z.string(), sku: z.string().optional(), stockQuantity: z.number().int().nullable(), lowStockThreshold: z.number().int().nullable(), shop: Shop }),
      example: { productId: '77', name: 'Bougie parfumée', sku: 'BG-77', stockQuantity: kind === 'out_of_stock' ? 0 : kind === 'stock_low' ? 2 : 12, lowStockThreshold: 2 },
    }),
  ),
  defineEventType({
    type: 'customer.created',
    title: 'Customer created',
    description: 'A customer account was created in a shop or CRM.',
    data: z.object({ customerId: z.string(), firstName: z.string().optional(), lastName: z.string().optional(), shop: Shop }),
    example: { customerId: '5501', firstName: 'Camille', lastName: 'Martin' },
  }),
];
