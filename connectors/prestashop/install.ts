/**
 * Install and reconcile. Nothing is created at the shop (the module pushes, the hub reads): prepare
 * checks the webservice key's permissions against what the hub uses and names each one missing;
 * reconcile reads the facts the poll needs (time zone, the ids of the built-in states) and starts
 * the poll's cursors at the shop's newest change, so the backstop never replays the shop's past.
 */
import type { InstallationContext, JsonObject, PrepareContext, Prepared, ReconcileReport, RemoteResource } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { randomBase62 } from '../../src/ids.ts';
import { blockedLiteral } from '../../src/net/outbound-guard.ts';
import { PrestaShopClient, type Method } from './client.ts';
import { CredentialsSchema, SettingsSchema, type Credentials, type InstallInput, type Settings } from './manifest.ts';
import { PsStateSchema, type PsInstallationState } from './state.ts';

/** What the hub does with the webservice, and why (the docs list the same). */
export const REQUIRED_PERMISSIONS: readonly { resource: string; methods: readonly Method[]; why: string }[] = [
  { resource: 'orders', methods: ['GET'], why: 'the backstop poll and the "read an order" action' },
  { resource: 'customers', methods: ['GET'], why: 'the backstop poll (new customers, order customers)' },
  { resource: 'addresses', methods: ['GET'], why: 'phones of polled orders' },
  { resource: 'countries', methods: ['GET'], why: 'the country phones are read in' },
  { resource: 'currencies', methods: ['GET'], why: 'order currencies' },
  { resource: 'order_states', methods: ['GET'], why: 'state names' },
  { resource: 'configurations', methods: ['GET'], why: 'the shop\'s time zone and built-in state ids' },
  { resource: 'order_histories', methods: ['GET', 'POST'], why: 'the "change an order\'s state" action' },
  { resource: 'customer_threads', methods: ['GET', 'POST'], why: 'the "add a private order message" action' },
  { resource: 'customer_messages', methods: ['POST'], why: 'the "add a private order message" action' },
  { resource: 'products', methods: ['GET'], why: 'the "read a product" action' },
];

/** The Configuration keys of PrestaShop's built-in states and the role PAYLOAD.md gives them. */
export const STATE_ROLE_KEYS: Record<string, string> = {
  PS_OS_CHEQUE: 'awaiting_payment',
  PS_OS_BANKWIRE: 'awaiting_payment',
  PS_OS_COD_VALIDATION: 'awaiting_payment',
  PS_OS_PAYMENT: 'payment_accepted',
  PS_OS_WS_PAYMENT: 'payment_accepted',
  PS_OS_PREPARATION: 'processing',
  PS_OS_SHIPPING: 'shipped',
  PS_OS_DELIVERED: 'delivered',
  PS_OS_CANCELED: 'cancelled',
  PS_OS_REFUND: 'refunded',
  PS_OS_ERROR: 'payment_error',
  PS_OS_OUTOFSTOCK: 'backorder',
  PS_OS_OUTOFSTOCK_PAID: 'backorder',
  PS_OS_OUTOFSTOCK_UNPAID: 'backorder',
};

export const accountOf = (input: InstallInput) => input.shopUrl;

export const clientFor = (shopUrl: string, credentials: Pick<Credentials, 'webserviceKey'>, network: PrepareContext['network']) => new PrestaShopClient(shopUrl, credentials.webserviceKey, network);

/** The permissions the key lacks, as "orders (GET)" for the message. */
export function missingPermissions(granted: Map<string, Set<Method>>): string[] {
  return REQUIRED_PERMISSIONS.flatMap(({ resource, methods }) => {
    const lacking = methods.filter((method) => !granted.get(resource)?.has(method));
    return lacking.length > 0 ? [`${resource} (${lacking.join(', ')})`] : [];
  });
}

/** Checks the key against the shop (nothing is stored when it fails) and builds the installation. */
export async function prepare(input: InstallInput, ctx: PrepareContext): Promise<Prepared<Settings, Credentials>> {
  const blocked = ctx.network.allowPrivateTargets ? undefined : blockedLiteral(new URL(input.shopUrl).hostname);
  if (blocked) throw new ExternalSystemError('blocked', `${blocked.message} (shop ${input.shopUrl})`, { field: 'shopUrl' });
  const granted = await clientFor(input.shopUrl, input, ctx.network).permissions();
  if (granted.size === 0) throw new ExternalSystemError('invalid-response', `${input.shopUrl}/api/ lists no resource for this key; is it a PrestaShop with its webservice on?`, { field: 'shopUrl' });
  const missing = missingPermissions(granted);
  if (missing.length > 0) {
    throw new ExternalSystemError('refused', `The webservice key lacks these permissions: ${missing.join(', ')}. Tick them in Advanced Parameters → Webservice → the key, then install again.`, { field: 'webserviceKey' });
  }
  const previous = ctx.existing ? CredentialsSchema.safeParse(ctx.existing.credentials) : undefined;
  const previousSettings = ctx.existing ? SettingsSchema.partial().safeParse(ctx.existing.settings) : undefined;
  // The module keeps working across a re-install: its secret is kept, and shown only when new.
  const kept = previous?.success && input.rotateModuleSecret !== true ? previous.data.moduleSecret : undefined;
  const moduleSecret = kept ?? randomBase62(48);
  const settings = SettingsSchema.parse({
    shopName: new URL(input.shopUrl).host.replace(/^www\./, ''),
    ...(previousSettings?.success ? previousSettings.data : {}),
    ...input.settings,
    shopUrl: input.shopUrl,
  });
  return {
    account: input.shopUrl,
    settings,
    credentials: { webserviceKey: input.webserviceKey, moduleSecret },
    ...(kept ? {} : { shownOnce: { moduleSecret } }),
  };
}

export async function saveState(ctx: InstallationContext<Settings, Credentials>, state: PsInstallationState): Promise<void> {
  await ctx.saveState(state as unknown as JsonObject);
}

const rows = (body: Record<string, unknown>, resource: string) => (Array.isArray(body[resource]) ? (body[resource] as Record<string, unknown>[]) : []);

/** The newest `date_upd` of a resource, or the epoch for an empty shop. */
async function newestChange(client: PrestaShopClient, resource: string): Promise<string> {
  const body = await client.get(resource, { display: '[id,date_upd]', sort: '[date_upd_DESC]', limit: '1' }, `reading the newest ${resource}`);
  const newest = rows(body, resource)[0]?.date_upd;
  return typeof newest === 'string' ? newest : '1970-01-01 00:00:00';
}

export async function reconcile(ctx: InstallationContext<Settings, Credentials>): Promise<ReconcileReport> {
  const client = clientFor(ctx.settings.shopUrl, ctx.credentials, ctx.network);
  const state = PsStateSchema.parse(ctx.state());
  const changes: string[] = [];
  const keys = ['PS_TIMEZONE', ...Object.keys(STATE_ROLE_KEYS)];
  const body = await client.get('configurations', { display: '[name,value]', 'filter[name]': `[${keys.join('|')}]` }, 'reading the shop\'s configuration');
  const stateRoles: Record<string, string> = {};
  let timeZone = 'UTC';
  for (const row of rows(body, 'configurations')) {
    const name = String(row.name);
    const value = typeof row.value === 'string' ? row.value : String(row.value ?? '');
    if (name === 'PS_TIMEZONE' && value !== '') timeZone = value;
    else if (STATE_ROLE_KEYS[name] && /^\d+$/.test(value)) stateRoles[value] = STATE_ROLE_KEYS[name];
  }
  if (JSON.stringify(state.shop) !== JSON.stringify({ timeZone, stateRoles })) changes.push(`read the shop's time zone (${timeZone}) and ${Object.keys(stateRoles).length} built-in states`);
  state.shop = { timeZone, stateRoles };
  if (state.cursor.orders === null) {
    state.cursor.orders = await newestChange(client, 'orders');
    changes.push(`poll of orders starts after ${state.cursor.orders} (shop time)`);
  }
  if (state.cursor.customers === null) {
    state.cursor.customers = await newestChange(client, 'customers');
    changes.push(`poll of customers starts after ${state.cursor.customers} (shop time)`);
  }
  await saveState(ctx, state);
  return { changes };
}

/** Nothing to remove at the shop: the merchant uninstalls the module and deletes the key. */
export function uninstall(): Promise<ReconcileReport> {
  return Promise.resolve({ changes: [], problems: [] });
}

export function remoteResources(): RemoteResource[] {
  return [];
}
