/**
 * What the hub can do in the shop through the webservice: change an order's state (an
 * order_histories entry, as the back office does), add a private message to an order (the order's
 * customer thread, message with `private=1`: shown to employees only, on the order page), read an
 * order or a product. Writes are XML: PrestaShop's webservice parses request bodies as XML only.
 */
import { z } from 'zod';
import { defineAction } from '../../src/connectors/action.ts';
import type { ActionContext } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { randomBase62 } from '../../src/ids.ts';
import type { JsonValue } from '../../src/queue/job-queue.ts';
import { xmlResource } from './client.ts';
import { clientFor } from './install.ts';
import type { Credentials, Settings } from './manifest.ts';
import { statusOf } from './mapping.ts';
import { int, lang, Lookups, num, orderOf, str } from './poll.ts';
import { PsStateSchema } from './state.ts';

type Context = ActionContext<Settings, Credentials>;

const client = (ctx: Context) => clientFor(ctx.settings.shopUrl, ctx.credentials, ctx.network);
const Id = z.union([z.number().int().positive(), z.string().regex(/^\d{1,10}$/, 'expected a PrestaShop id (digits)')]).transform(Number);
const idOf = (body: Record<string, unknown>, singular: string) => int((body[singular] as Record<string, unknown> | undefined)?.id);

async function readOrder(orderId: number, ctx: Context): Promise<Record<string, unknown>> {
  const body = await client(ctx).get(`orders/${orderId}`, {}, `reading order ${orderId}`);
  const order = body.order;
  if (typeof order !== 'object' || order === null) throw new ExternalSystemError('invalid-response', `The shop's answer for order ${orderId} has no "order".`);
  return order as Record<string, unknown>;
}

const changeOrderState = defineAction({
  id: 'change-order-state',
  title: 'Change an order\'s state',
  description: 'Moves an order to another state (Orders → Statuses ids), as an employee would; PrestaShop sends the state\'s email when asked.',
  input: z
    .object({
      orderId: Id,
      stateId: Id.describe('The id of the state in Orders → Statuses.'),
      sendEmail: z.boolean().default(false).describe('true: PrestaShop sends the customer the email tied to the state (if any).'),
    })
    .strict(),
  async run({ orderId, stateId, sendEmail }, ctx: Context) {
    const created = await client(ctx).create('order_histories', xmlResource('order_history', { id_order: orderId, id_order_state: stateId }), `changing the state of order ${orderId} to #${stateId}`, sendEmail ? { sendemail: '1' } : {});
    return { orderId: String(orderId), stateId: String(stateId), historyId: String(idOf(created, 'order_history')) };
  },
});

const addOrderMessage = defineAction({
  id: 'add-order-message',
  title: 'Add a private order message',
  description: 'Adds a message only employees see to the order\'s conversation (the order page\'s Messages, private).',
  input: z.object({ orderId: Id, message: z.string().trim().min(1).max(1600) }).strict(),
  async run({ orderId, message }, ctx: Context) {
    const shop = client(ctx);
    const found = await shop.get('customer_threads', { 'filter[id_order]': `[${orderId}]`, display: '[id]', limit: '1' }, `finding the conversation of order ${orderId}`);
    let threadId = int((Array.isArray(found.customer_threads) ? (found.customer_threads as Record<string, unknown>[]) : [])[0]?.id);
    if (threadId === 0) {
      const order = await readOrder(orderId, ctx);
      const customer = (await shop.get(`customers/${int(order.id_customer)}`, {}, `reading the customer of order ${orderId}`)).customer as Record<string, unknown> | undefined;
      const thread = await shop.create(
        'customer_threads',
        xmlResource('customer_thread', { id_lang: int(order.id_lang), id_shop: int(order.id_shop), id_order: orderId, id_customer: int(order.id_customer), id_contact: 0, email: str(customer?.email), status: 'open', token: randomBase62(12) }),
        `opening the conversation of order ${orderId}`,
      );
      threadId = idOf(thread, 'customer_thread');
    }
    const created = await shop.create('customer_messages', xmlResource('customer_message', { id_customer_thread: threadId, id_employee: 0, message, private: 1 }), `adding a message to order ${orderId}`);
    return { orderId: String(orderId), threadId: String(threadId), messageId: String(idOf(created, 'customer_message')), private: true };
  },
});

const getOrder = defineAction({
  id: 'get-order',
  title: 'Read an order',
  description: 'The order as the hub sees it: state, total, customer, addresses, lines.',
  input: z.object({ orderId: Id }).strict(),
  async run({ orderId }, ctx: Context) {
    const state = PsStateSchema.parse(ctx.state());
    const order = await orderOf(await readOrder(orderId, ctx), new Lookups(client(ctx)), state.shop.stateRoles, state.shop.timeZone);
    return { ...order, status: statusOf(order.state) ?? null } as unknown as JsonValue;
  },
});

const getProduct = defineAction({
  id: 'get-product',
  title: 'Read a product',
  description: 'A product\'s name, reference, price (tax excluded) and quantity.',
  input: z.object({ productId: Id }).strict(),
  async run({ productId }, ctx: Context) {
    const body = await client(ctx).get(`products/${productId}`, {}, `reading product ${productId}`);
    const product = body.product as Record<string, unknown> | undefined;
    if (!product) throw new ExternalSystemError('invalid-response', `The shop's answer for product ${productId} has no "product".`);
    return { productId: String(int(product.id)), name: lang(product.name), reference: str(product.reference) || null, price: num(product.price), quantity: product.quantity === undefined ? null : int(product.quantity), active: str(product.active) === '1' };
  },
});

/** In the order the manifest lists them (GET /v1/connectors). */
export const actions = [changeOrderState, addOrderMessage, getOrder, getProduct];
