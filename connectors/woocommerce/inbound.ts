/**
 * One stored inbound request → an Outcome: parse the payload, read and update the resource memory,
 * and let the pure decisions of events.ts and cart-events.ts say what to publish. Runs inside the inbox's transaction.
 */
import { z } from 'zod';
import { TIMER_KIND, type EventDraft, type HandlerContext, type InboundDelivery, type Outcome, type TimerOps } from '../../src/connectors/connector.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { cartDecision, cartEmptiedDecision, cartKey, cartsClosedByOrder, cartTimerDecision, type CartMemory } from './cart-events.ts';
import { CART_ID_META, contactFromOrder } from './contact-mapping.ts';
import { customerEvents, orderDecision, productDecision, type OrderMemory, type ProductMemory } from './events.ts';
import type { Decision, MappingContext } from './mapping-context.ts';
import type { Settings } from './manifest.ts';
import { parseCustomer, parseOrder, parseProduct, PluginMessageSchema } from './payloads.ts';
import { WooStateSchema } from './state.ts';

/** WooCommerce's default for woocommerce_notify_low_stock_amount. */
const STORE_DEFAULT_LOW_STOCK = 2;

function mappingContext(ctx: HandlerContext<Settings>): MappingContext {
  const state = WooStateSchema.parse(ctx.installation.state);
  return {
    shop: { installationId: ctx.installation.id, url: ctx.settings.storeUrl, name: ctx.settings.shopName },
    installedAt: ctx.installation.createdAt,
    completedMeans: ctx.settings.completedMeans,
    lowStockThreshold: ctx.settings.lowStockThreshold ?? state.store.lowStockAmount ?? STORE_DEFAULT_LOW_STOCK,
    defaultCurrency: state.store.currency ?? 'EUR',
    host: new URL(ctx.settings.storeUrl).host,
    abandonedCartDelayMinutes: ctx.settings.abandonedCartDelayMinutes,
  };
}

const ignored = (note: string): Outcome => ({ status: 'ignored', note, events: [] });

function merge(decisionNote: string | undefined, events: EventDraft[], timers?: TimerOps): Outcome {
  return { status: 'processed', events, ...(timers ? { timers } : {}), ...(decisionNote ? { note: decisionNote } : {}) };
}

async function applyDecision<M>(ctx: HandlerContext<Settings>, key: string, decision: Decision<M>): Promise<Outcome> {
  if (!decision.apply) return ignored(decision.note);
  await ctx.memory.set(key, decision.memory as unknown as JsonValue);
  return merge(decision.note, decision.events, decision.timers);
}

async function handleOrder(topic: string, payload: unknown, ctx: HandlerContext<Settings>, mapping: MappingContext): Promise<Outcome> {
  const parsed = parseOrder(payload);
  if (!parsed.ok) return ignored(parsed.reason);
  const order = parsed.value;
  const key = `order:${order.id}`;
  const decision = orderDecision(topic, order, await ctx.memory.get<OrderMemory & JsonValue>(key), mapping, ctx.now);
  const outcome = await applyDecision(ctx, key, decision);
  if (!decision.apply) return outcome;
  // This shopper ordered: their open carts are not abandoned (by the plugin's cart id, then email or phone).
  const shopper = contactFromOrder(order, mapping, { withConsent: false, now: ctx.now });
  const carts = new Map<string, CartMemory>();
  const metaCart = order.meta[CART_ID_META];
  if (typeof metaCart === 'string' && metaCart !== '') {
    const cart = await ctx.memory.get<CartMemory & JsonValue>(cartKey(metaCart));
    if (cart) carts.set(cart.cartId, cart);
  }
  for (const { value } of await ctx.memory.findByField<CartMemory & JsonValue>('cart:', { email: shopper?.email, phone: shopper?.phone })) carts.set(value.cartId, value);
  const closed = cartsClosedByOrder([...carts.values()]);
  for (const cart of closed.memory) await ctx.memory.set(cartKey(cart.cartId), cart as unknown as JsonValue);
  if (closed.memory.length === 0) return outcome;
  const note = `closed cart(s) ${closed.memory.map((cart) => cart.cartId).join(', ')}: the shopper ordered`;
  return { ...outcome, note: outcome.note ? `${outcome.note}; ${note}` : note, timers: { cancel: [...(outcome.timers?.cancel ?? []), ...(closed.timers.cancel ?? [])] } };
}

async function handleWebhook(delivery: InboundDelivery, ctx: HandlerContext<Settings>, mapping: MappingContext): Promise<Outcome> {
  const topic = delivery.headers['x-wc-webhook-topic'] ?? '';
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.body);
  } catch {
    return ignored(`topic ${topic}: the body is not JSON (${delivery.body.slice(0, 60)})`);
  }
  switch (topic) {
    case 'order.created':
    case 'order.updated':
      return handleOrder(topic, payload, ctx, mapping);
    case 'product.created':
    case 'product.updated': {
      const parsed = parseProduct(payload);
      if (!parsed.ok) return ignored(parsed.reason);
      const key = `product:${parsed.value.id}`;
      return applyDecision(ctx, key, productDecision(parsed.value, await ctx.memory.get<ProductMemory & JsonValue>(key), mapping, ctx.now));
    }
    case 'customer.created': {
      const parsed = parseCustomer(payload);
      if (!parsed.ok) return ignored(parsed.reason);
      return merge(undefined, customerEvents(parsed.value, mapping, ctx.now));
    }
    default:
      return ignored(`topic "${topic}" is not one this connector registers (order.created, order.updated, product.updated, customer.created); kept, nothing published`);
  }
}

async function handleCart(delivery: InboundDelivery, ctx: HandlerContext<Settings>, mapping: MappingContext): Promise<Outcome> {
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.body);
  } catch {
    return ignored('the plugin\'s body is not JSON');
  }
  const parsed = PluginMessageSchema.safeParse(payload);
  if (!parsed.success) return ignored(`the plugin's message does not match its schema: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const message = parsed.data;
  if (message.type === 'plugin.ping') return ignored('connection test from the plugin');
  const key = cartKey(message.cartId);
  const previous = await ctx.memory.get<CartMemory & JsonValue>(key);
  if (message.type === 'cart.emptied') return applyDecision(ctx, key, cartEmptiedDecision(message.cartId, message.updatedAt, previous));
  return applyDecision(ctx, key, cartDecision(message, previous, mapping, ctx.now));
}

const TimerBody = z.object({ key: z.string(), rev: z.string() });

async function handleTimer(delivery: InboundDelivery, ctx: HandlerContext<Settings>, mapping: MappingContext): Promise<Outcome> {
  const timer = TimerBody.parse(JSON.parse(delivery.body));
  if (!timer.key.startsWith('cart:')) return ignored(`unknown timer ${timer.key}`);
  return applyDecision(ctx, timer.key, cartTimerDecision(timer.rev, await ctx.memory.get<CartMemory & JsonValue>(timer.key), mapping, ctx.now));
}

export async function handleDelivery(delivery: InboundDelivery, ctx: HandlerContext<Settings>): Promise<Outcome> {
  const mapping = mappingContext(ctx);
  switch (delivery.kind) {
    case 'webhook':
      return handleWebhook(delivery, ctx, mapping);
    case 'cart':
      return handleCart(delivery, ctx, mapping);
    case TIMER_KIND:
      return handleTimer(delivery, ctx, mapping);
    default:
      return ignored(`unknown delivery kind "${delivery.kind}"`);
  }
}
