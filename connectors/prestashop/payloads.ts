/** What the connectorhub module posts (plugins/prestashop/PAYLOAD.md), as schemas: a message that does not match is kept and ignored with the reason. */
import { z } from 'zod';

const Id = z.number().int().nonnegative();
const Dated = z.iso.datetime({ offset: true });

export const StateSchema = z.object({
  id: Id,
  name: z.string().max(255),
  role: z.enum(['awaiting_payment', 'payment_accepted', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded', 'payment_error', 'backorder']).nullable(),
  paid: z.boolean().optional(),
  shipped: z.boolean().optional(),
  delivered: z.boolean().optional(),
});
export type PsState = z.infer<typeof StateSchema>;

export const CustomerSchema = z.object({
  customerId: Id,
  email: z.string().max(254).nullable().optional(),
  firstName: z.string().max(255).nullable().optional(),
  lastName: z.string().max(255).nullable().optional(),
  guest: z.boolean().optional(),
  language: z.string().max(10).nullable().optional(),
  createdAt: Dated.nullable().optional(),
});
export type PsCustomer = z.infer<typeof CustomerSchema>;

export const AddressSchema = z.object({
  firstName: z.string().max(255).nullable().optional(),
  lastName: z.string().max(255).nullable().optional(),
  country: z.string().max(3).nullable().optional(),
  phone: z.string().max(64).nullable().optional(),
  mobilePhone: z.string().max(64).nullable().optional(),
});
export type PsAddress = z.infer<typeof AddressSchema>;

export const ConsentSchema = z.object({ sms: z.boolean(), text: z.string().max(2000).nullable().optional(), at: Dated.nullable().optional() });
export type PsConsent = z.infer<typeof ConsentSchema>;

const Line = z.object({ productId: Id, combinationId: Id.optional(), name: z.string().max(500), quantity: z.number(), total: z.number() });

export const OrderSchema = z.object({
  orderId: Id,
  reference: z.string().max(64).nullable().optional(),
  cartId: Id.nullable().optional(),
  createdAt: Dated.nullable().optional(),
  state: StateSchema,
  currency: z.string().length(3).nullable().optional(),
  total: z.number(),
  trackingNumber: z.string().max(255).nullable().optional(),
  customer: CustomerSchema.nullable().optional(),
  invoiceAddress: AddressSchema.nullable().optional(),
  deliveryAddress: AddressSchema.nullable().optional(),
  lines: z.array(Line).max(500).default([]),
  /** The order's cart rules with a code (module ≥ the coupon.used release; older modules send none). */
  coupons: z.array(z.object({ code: z.string().min(1).max(100), name: z.string().max(255).optional(), discount: z.number() })).max(50).default([]),
  consent: ConsentSchema.nullable().optional(),
  previousState: StateSchema.nullable().optional(),
});
export type PsOrder = z.infer<typeof OrderSchema>;

const Envelope = { id: z.string().min(1).max(100), occurredAt: Dated };

export const ModuleMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('order.created'), ...Envelope, data: OrderSchema }),
  z.object({ type: z.literal('order.status_changed'), ...Envelope, data: OrderSchema }),
  z.object({
    type: z.literal('product.stock_changed'),
    ...Envelope,
    data: z.object({ productId: Id, combinationId: Id.default(0), name: z.string().max(500), reference: z.string().max(64).nullable().optional(), quantity: z.number().int(), lowStockThreshold: z.number().int().nullable().optional() }),
  }),
  z.object({ type: z.literal('customer.created'), ...Envelope, data: z.object({ customer: CustomerSchema, address: AddressSchema.nullable().optional(), consent: ConsentSchema.nullable().optional() }) }),
  z.object({
    type: z.literal('cart.updated'),
    ...Envelope,
    data: z.object({
      cartId: Id,
      updatedAt: Dated,
      customer: CustomerSchema,
      address: AddressSchema.nullable().optional(),
      currency: z.string().length(3).nullable().optional(),
      total: z.number(),
      lines: z.array(Line).max(500),
      recoveryUrl: z.string().max(2048).nullable().optional(),
      consent: ConsentSchema.nullable().optional(),
    }),
  }),
  z.object({ type: z.literal('cart.emptied'), ...Envelope, data: z.object({ cartId: Id, updatedAt: Dated }) }),
  z.object({ type: z.literal('module.ping'), ...Envelope }),
]);
export type ModuleMessage = z.infer<typeof ModuleMessageSchema>;
