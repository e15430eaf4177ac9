/**
 * The backstop poll (every `pollEveryMinutes`): orders and customers changed since the cursor
 * (`filter[date_upd]=[cursor,…]&date=1&sort=[date_upd_ASC]`), normalized to the module's shapes
 * and handed to the inbox. The inbox dedupes the same change read twice (the cursor is inclusive);
 * the handler's memory and event keys, shared with the hook path, make an order the module already
 * reported publish nothing. The cursor moves only past what was stored.
 */
import type { PollContext } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import type { PrestaShopClient } from './client.ts';
import { POLL_CUSTOMER_KIND, POLL_ORDER_KIND } from './inbound.ts';
import { clientFor, saveState } from './install.ts';
import type { Credentials, Settings } from './manifest.ts';
import type { PsAddress, PsCustomer, PsOrder, PsState } from './payloads.ts';
import { shopTimeToIso } from './shop-time.ts';
import { PsStateSchema } from './state.ts';

const PAGE = 50;
const FAR_FUTURE = '2999-12-31 23:59:59';

type Row = Record<string, unknown>;
const rows = (body: Row, resource: string) => (Array.isArray(body[resource]) ? (body[resource] as Row[]) : []);
export const str = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
export const int = (value: unknown) => Number.parseInt(str(value), 10) || 0;
export const num = (value: unknown) => Number.parseFloat(str(value)) || 0;
/** A multilingual field: a plain string, or `[{ id, value }]` with every language. */
export const lang = (value: unknown) => (Array.isArray(value) ? str((value[0] as Row | undefined)?.value) : str(value));

/** Reads what one poll needs once per id (countries, currencies, states, customers, addresses). */
export class Lookups {
  readonly #client: PrestaShopClient;
  readonly #cache = new Map<string, Promise<Row | undefined>>();

  constructor(client: PrestaShopClient) {
    this.#client = client;
  }

  one(resource: string, singular: string, id: unknown): Promise<Row | undefined> {
    const key = `${resource}/${int(id)}`;
    if (int(id) <= 0) return Promise.resolve(undefined);
    let found = this.#cache.get(key);
    if (!found) {
      found = this.#client.get(key, {}, `reading ${key}`).then(
        (body) => (typeof body[singular] === 'object' ? (body[singular] as Row) : undefined),
        // A deleted state, address or customer leaves the order readable without it.
        (error: unknown) => {
          if (error instanceof ExternalSystemError && error.kind === 'not-found') return undefined;
          throw error;
        },
      );
      this.#cache.set(key, found);
    }
    return found;
  }
}

async function addressOf(lookups: Lookups, id: unknown): Promise<PsAddress | null> {
  const address = await lookups.one('addresses', 'address', id);
  if (!address) return null;
  const country = await lookups.one('countries', 'country', address.id_country);
  return { firstName: str(address.firstname), lastName: str(address.lastname), country: str(country?.iso_code) || null, phone: str(address.phone), mobilePhone: str(address.phone_mobile) };
}

function customerOf(row: Row | undefined, timeZone: string): PsCustomer | null {
  if (!row) return null;
  return { customerId: int(row.id), email: str(row.email), firstName: str(row.firstname), lastName: str(row.lastname), guest: str(row.is_guest) === '1', createdAt: shopTimeToIso(str(row.date_add), timeZone) ?? null };
}

export async function orderOf(row: Row, lookups: Lookups, stateRoles: Record<string, string>, timeZone: string): Promise<PsOrder> {
  const stateRow = await lookups.one('order_states', 'order_state', row.current_state);
  const state: PsState = {
    id: int(row.current_state),
    name: lang(stateRow?.name) || `#${int(row.current_state)}`,
    role: (stateRoles[String(int(row.current_state))] ?? null) as PsState['role'],
  };
  const currency = await lookups.one('currencies', 'currency', row.id_currency);
  const associations = (row.associations ?? {}) as Row;
  const lines = (Array.isArray(associations.order_rows) ? (associations.order_rows as Row[]) : []).map((line) => ({
    productId: int(line.product_id),
    combinationId: int(line.product_attribute_id),
    name: str(line.product_name),
    quantity: int(line.product_quantity),
    total: Math.round(num(line.unit_price_tax_incl) * int(line.product_quantity) * 100) / 100,
  }));
  return {
    orderId: int(row.id),
    reference: str(row.reference) || null,
    cartId: int(row.id_cart) || null,
    createdAt: shopTimeToIso(str(row.date_add), timeZone) ?? null,
    state,
    currency: /^[A-Z]{3}$/.test(str(currency?.iso_code)) ? str(currency?.iso_code) : null,
    total: num(row.total_paid_tax_incl ?? row.total_paid),
    trackingNumber: str(row.shipping_number) || null,
    customer: customerOf(await lookups.one('customers', 'customer', row.id_customer), timeZone),
    invoiceAddress: await addressOf(lookups, row.id_address_invoice),
    deliveryAddress: await addressOf(lookups, row.id_address_delivery),
    lines,
    // The webservice's order lists no cart rules: the coupons come with the module's order.created only.
    coupons: [],
  };
}

async function changedSince(client: PrestaShopClient, resource: string, cursor: string): Promise<Row[]> {
  const body = await client.get(resource, { display: 'full', 'filter[date_upd]': `[${cursor},${FAR_FUTURE}]`, date: '1', sort: '[date_upd_ASC]', limit: String(PAGE) }, `reading the ${resource} changed since ${cursor}`);
  return rows(body, resource);
}

export async function poll(ctx: PollContext<Settings, Credentials>): Promise<{ received: number; duplicates: number }> {
  const client = clientFor(ctx.settings.shopUrl, ctx.credentials, ctx.network);
  const state = PsStateSchema.parse(ctx.state());
  // Reconcile sets the cursors at install: without them the poll would replay the shop's history.
  if (state.cursor.orders === null || state.cursor.customers === null) return { received: 0, duplicates: 0 };
  const { timeZone, stateRoles } = state.shop;
  const lookups = new Lookups(client);
  let received = 0;
  let duplicates = 0;
  const count = (result: { duplicate: boolean }) => (result.duplicate ? duplicates++ : received++);

  for (const row of await changedSince(client, 'orders', state.cursor.orders)) {
    const order = await orderOf(row, lookups, stateRoles, timeZone);
    const changedAt = str(row.date_upd);
    const occurredAt = shopTimeToIso(changedAt, timeZone) ?? new Date().toISOString();
    count(await ctx.receive({ kind: POLL_ORDER_KIND, dedupeKey: `poll:order:${order.orderId}:${changedAt}:${order.state.id}`, headers: {}, body: JSON.stringify({ occurredAt, order }) }));
    if (changedAt > state.cursor.orders) state.cursor.orders = changedAt;
  }
  for (const row of await changedSince(client, 'customers', state.cursor.customers)) {
    const customer = customerOf(row, timeZone);
    const changedAt = str(row.date_upd);
    if (customer) count(await ctx.receive({ kind: POLL_CUSTOMER_KIND, dedupeKey: `poll:customer:${customer.customerId}`, headers: {}, body: JSON.stringify({ occurredAt: shopTimeToIso(changedAt, timeZone) ?? new Date().toISOString(), customer }) }));
    if (changedAt > state.cursor.customers) state.cursor.customers = changedAt;
  }
  await saveState(ctx, state);
  return { received, duplicates };
}
