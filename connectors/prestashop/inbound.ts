/**
 * One stored inbound request → an Outcome: the module's messages (kind `module`), the backstop
 * poll's orders and customers (kinds `poll-order`, `poll-customer`, normalized by poll.ts to the
 * module's shapes) and the abandoned-cart timers. Runs inside the inbox's transaction.
 */
import { z } from 'zod';
import { cartDecision, cartEmptiedDecision, cartKey, cartsClosedByOrder, cartTimerDecision, type CartMemory } from '../../src/connectors/abandoned-carts.ts';
import { TIMER_KIND, type HandlerContext, type InboundDelivery, type Outcome } from '../../src/connectors/connector.ts';
import type { Decision } from '../../src/connectors/decision.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { customerEvents, orderDecision, orderKey, stockDecision, stockKey, type OrderMemory, type StockMemory } from './events.ts';
import type { Settings } from './manifest.ts';
import { CONSENT_SOURCE, contactOf, type ShopContext } from './mapping.ts';
import { CustomerSchema, ModuleMessageSchema, OrderSchema, type PsOrder } from './payloads.ts';

export const MODULE_KIND = 'module';
export const POLL_ORDER_KIND = 'poll-order';
export const POLL_CUSTOMER_KIND = 'poll-customer';

function shopContext(ctx: HandlerContext<Settings>): ShopContext {
  return {
    shop: { installationId: ctx.installation.id, url: ctx.settings.shopUrl, name: ctx.settings.shopName },
    host: new URL(ctx.settings.shopUrl).host,
    installedAt: ctx.installation.createdAt,
    lowStockThreshold: ctx.settings.lowStockThreshold,
    abandonedCartDelayMinutes: ctx.settings.abandonedCartDelayMinutes,
  };
}

const ignored = (note: string): Outcome => ({ status: 'ignored', note, events: [] });

async function applyDecision<M>(ctx: HandlerContext<Settings>, key: string, decision: Decision<M>): Promise<Outcome> {
  if (!decision.apply) return ignored(decision.note);
  await ctx.memory.set(key, decision.memory as unknown as JsonValue);
  return { status: 'processed', events: decision.events, ...(decision.timers ? { timers: decision.timers } : {}), ...(decision.note ? { note: decision.note } : {}) };
}

async function handleOrder(order: PsOrder, occurredAt: string, source: 'created' | 'status' | 'poll', ctx: HandlerContext<Settings>, shop: ShopContext): Promise<Outcome> {
  const key = orderKey(order.orderId);
  const decision = orderDecision(order, occurredAt, source, await ctx.memory.get<OrderMemory & JsonValue>(key), shop, ctx.now);
  const outcome = await applyDecision(ctx, key, decision);
  if (!decision.apply) return outcome;
  // This shopper ordered: their open carts are not abandoned (the order's cart, then by email or phone).
  const carts = new Map<string, CartMemory>();
  if (order.cartId) {
    const cart = await ctx.memory.get<CartMemory & JsonValue>(cartKey(String(order.cartId)));
    if (cart) carts.set(cart.cartId, cart);
  }
  const shopper = contactOf(order.customer, order.invoiceAddress ?? order.deliveryAddress, shop);
  for (const { value } of await ctx.memory.findByField<CartMemory & JsonValue>('cart:', { email: shopper?.email, phone: shopper?.phone })) carts.set(value.cartId, value);
  const closed = cartsClosedByOrder([...carts.values()]);
  if (closed.memory.length === 0) return outcome;
  for (const cart of closed.memory) await ctx.memory.set(cartKey(cart.cartId), cart as unknown as JsonValue);
  const note = `closed cart(s) ${closed.memory.map((cart) => cart.cartId).join(', ')}: the shopper ordered`;
  return { ...outcome, note: outcome.note ? `${outcome.note}; ${note}` : note, timers: { ...outcome.timers, cancel: [...(outcome.timers?.cancel ?? []), ...(closed.timers.cancel ?? [])] } };
}

const issuesOf = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

async function handleModule(delivery: InboundDelivery, ctx: HandlerContext<Settings>, shop: ShopContext): Promise<Outcome> {
  const parsed = ModuleMessageSchema.safeParse(parseJson(delivery.body));
  if (!parsed.success) return ignored(`the module's message does not match PAYLOAD.md: ${issuesOf(parsed.error)}`);
  const message = parsed.data;
  switch (message.type) {
    case 'order.created':
      return handleOrder(message.data, message.occurredAt, 'created', ctx, shop);
    case 'order.status_changed':
      return handleOrder(message.data, message.occurredAt, 'status', ctx, shop);
    case 'product.stock_changed': {
      const key = stockKey(message.data);
      return applyDecision(ctx, key, stockDecision(message.data, message.occurredAt, await ctx.memory.get<StockMemory & JsonValue>(key), shop));
    }
    case 'customer.created':
      return { status: 'processed', events: customerEvents(message.data.customer, message.data.address, message.data.consent, message.occurredAt, shop, ctx.now) };
    case 'cart.updated': {
      const cart = message.data;
      const key = cartKey(String(cart.cartId));
      const input = {
        cartId: String(cart.cartId),
        updatedAt: cart.updatedAt,
        contact: contactOf(cart.customer, cart.address, shop),
        ...(cart.consent?.sms ? { consent: { text: cart.consent.text ?? undefined, at: cart.consent.at ?? undefined, source: CONSENT_SOURCE } } : {}),
        total: { amount: cart.total, currency: cart.currency ?? 'EUR' },
        lines: cart.lines.map((line) => ({ productId: String(line.productId), name: line.name, quantity: line.quantity, total: line.total })),
        recoveryUrl: cart.recoveryUrl ?? shop.shop.url,
      };
      return applyDecision(ctx, key, cartDecision(input, await ctx.memory.get<CartMemory & JsonValue>(key), shop, ctx.now));
    }
    case 'cart.emptied': {
      const key = cartKey(String(message.data.cartId));
      return applyDecision(ctx, key, cartEmptiedDecision(String(message.data.cartId), message.data.updatedAt, await ctx.memory.get<CartMemory & JsonValue>(key)));
    }
    case 'module.ping':
      return ignored('connection test from the module');
  }
}

const PolledOrder = z.object({ occurredAt: z.iso.datetime({ offset: true }), order: OrderSchema });
const PolledCustomer = z.object({ occurredAt: z.iso.datetime({ offset: true }), customer: CustomerSchema });
const TimerBody = z.object({ key: z.string(), rev: z.string() });

export async function handleDelivery(delivery: InboundDelivery, ctx: HandlerContext<Settings>): Promise<Outcome> {
  const shop = shopContext(ctx);
  switch (delivery.kind) {
    case MODULE_KIND:
      return handleModule(delivery, ctx, shop);
    case POLL_ORDER_KIND: {
      const parsed = PolledOrder.safeParse(parseJson(delivery.body));
      if (!parsed.success) return ignored(`polled order: ${issuesOf(parsed.error)}`);
      return handleOrder(parsed.data.order, parsed.data.occurredAt, 'poll', ctx, shop);
    }
    case POLL_CUSTOMER_KIND: {
      const parsed = PolledCustomer.safeParse(parseJson(delivery.body));
      if (!parsed.success) return ignored(`polled customer: ${issuesOf(parsed.error)}`);
      const { customer, occurredAt } = parsed.data;
      if (!customer.createdAt || new Date(customer.createdAt) < ctx.installation.createdAt) return ignored(`customer ${customer.customerId}: created before the install`);
      return { status: 'processed', events: customerEvents(customer, null, null, occurredAt, shop, ctx.now) };
    }
    case TIMER_KIND: {
      const timer = TimerBody.parse(JSON.parse(delivery.body));
      if (!timer.key.startsWith('cart:')) return ignored(`unknown timer ${timer.key}`);
      return applyDecision(ctx, timer.key, cartTimerDecision(timer.rev, await ctx.memory.get<CartMemory & JsonValue>(timer.key), shop, ctx.now));
    }
    default:
      return ignored(`unknown delivery kind "${delivery.kind}"`);
  }
}
