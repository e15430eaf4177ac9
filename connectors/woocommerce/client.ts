/**
 * The WooCommerce REST API (wc/v3) through the official client, `@woocommerce/woocommerce-rest-api`:
 * HTTP Basic with the key pair over HTTPS, OAuth 1.0a signatures over plain HTTP (the library's
 * choice, as WooCommerce requires). Its axios errors become ExternalSystemErrors that say what to do.
 */
import WooCommerceRestApiModule from '@woocommerce/woocommerce-rest-api';
import { z } from 'zod';
import type { NetworkPolicy } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { guardedAgent } from '../../src/net/guarded-connection.ts';
import { BLOCKED_TARGET_CODE } from '../../src/net/outbound-guard.ts';

// The package is CommonJS compiled from ESM (`exports.default = class …`): Node's ESM loader gives
// `module.exports` as the default import, bundlers and vitest the class itself. Accept both.
type WooApiClass = typeof WooCommerceRestApiModule.default;
const imported = WooCommerceRestApiModule as unknown as WooApiClass | { default: WooApiClass };
const WooCommerceRestApi: WooApiClass = typeof imported === 'function' ? imported : imported.default;

const REQUEST_TIMEOUT_MS = 30_000;

export interface WooClientOptions {
  storeUrl: string;
  consumerKey: string;
  consumerSecret: string;
  network: NetworkPolicy;
  timeoutMs?: number;
}

const WebhookSchema = z
  .object({
    id: z.number().int(),
    name: z.string().optional(),
    /** active · paused (by an admin) · disabled (by WooCommerce after more than 5 failed deliveries in a row). */
    status: z.string(),
    topic: z.string(),
    delivery_url: z.string(),
  })
  .loose();
export type Webhook = z.infer<typeof WebhookSchema>;

const SystemStatusSchema = z
  .object({
    environment: z.object({ version: z.string().optional(), home_url: z.string().optional(), site_url: z.string().optional() }).loose(),
    settings: z.object({ currency: z.string().optional() }).loose().optional(),
  })
  .loose();
export type SystemStatus = z.infer<typeof SystemStatusSchema>;

const NoteSchema = z.object({ id: z.number().int(), note: z.string(), customer_note: z.boolean().optional(), date_created: z.string().optional() }).loose();

type AxiosLikeError = {
  isAxiosError?: boolean;
  code?: string;
  message: string;
  response?: { status: number; data?: unknown; headers?: Record<string, unknown> };
};

/** What went wrong, in the admin's terms; `what` names the call ("listing the webhooks"). */
function toExternalError(error: unknown, what: string, storeUrl: string): ExternalSystemError {
  if (error instanceof ExternalSystemError) return error;
  const failure = error as AxiosLikeError;
  const response = failure.response;
  if (!response) {
    const code = failure.code ?? 'error';
    if (code === BLOCKED_TARGET_CODE) return new ExternalSystemError('blocked', `${failure.message} (store ${storeUrl})`, { field: 'storeUrl' });
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return new ExternalSystemError('timeout', `The store ${storeUrl} did not answer ${what} within ${REQUEST_TIMEOUT_MS / 1000} s.`);
    return new ExternalSystemError('unreachable', `The store ${storeUrl} cannot be reached (${code}: ${failure.message}) while ${what}; check the address and that the site is up.`);
  }
  const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as { code?: unknown; message?: unknown };
  const wooCode = typeof body.code === 'string' ? body.code : undefined;
  const wooMessage = typeof body.message === 'string' ? body.message : undefined;
  const said = wooMessage ? ` WooCommerce said: "${wooMessage}"${wooCode ? ` (${wooCode})` : ''}.` : '';
  const status = response.status;
  const options = { status, ...(wooCode ? { code: wooCode } : {}) };
  if (status >= 300 && status < 400) {
    const location = response.headers?.location;
    return new ExternalSystemError('redirect', `The store answered ${what} with a redirect (${status}) to ${typeof location === 'string' ? location : 'another address'}; install with the final address of the shop.`, options);
  }
  if (status === 401 || status === 403) {
    return new ExternalSystemError('auth', `The store refused the REST API key while ${what} (HTTP ${status}).${said} Check the key and that its permissions are Read/Write.`, options);
  }
  if (status === 404) {
    const hint = wooCode === 'rest_no_route' ? ' Is WooCommerce active, and are permalinks set to anything but "Plain"?' : '';
    return new ExternalSystemError('not-found', `Not found while ${what} at ${storeUrl} (HTTP 404).${said}${hint}`, options);
  }
  if (status === 429 || status >= 500) return new ExternalSystemError('server', `The store failed while ${what} (HTTP ${status}).${said} It is retried later.`, options);
  return new ExternalSystemError('refused', `The store refused ${what} (HTTP ${status}).${said}`, options);
}

export class WooClient {
  readonly storeUrl: string;
  readonly #api: InstanceType<typeof WooCommerceRestApi>;

  constructor(options: WooClientOptions) {
    this.storeUrl = options.storeUrl;
    this.#api = new WooCommerceRestApi({
      url: options.storeUrl,
      consumerKey: options.consumerKey,
      consumerSecret: options.consumerSecret,
      version: 'wc/v3',
      timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
      axiosConfig: {
        timeout: options.timeoutMs ?? REQUEST_TIMEOUT_MS,
        // Basic credentials must not follow a redirect to another host; the admin gives the final URL instead.
        maxRedirects: 0,
        // The store is a tenant-given host: the outbound guard vets the address actually connected to, literal or resolved.
        ...(options.network.allowPrivateTargets ? {} : { httpAgent: guardedAgent('http:'), httpsAgent: guardedAgent('https:') }),
      },
    });
  }

  async #call<T>(what: string, schema: z.ZodType<T>, run: () => Promise<{ data: unknown; headers: Record<string, unknown> }>): Promise<{ data: T; headers: Record<string, unknown> }> {
    let response: { data: unknown; headers: Record<string, unknown> };
    try {
      response = await run();
    } catch (error) {
      throw toExternalError(error, what, this.storeUrl);
    }
    const parsed = schema.safeParse(response.data);
    if (!parsed.success) {
      const sample = typeof response.data === 'string' ? response.data.slice(0, 80) : JSON.stringify(response.data)?.slice(0, 80);
      throw new ExternalSystemError('invalid-response', `The answer to ${what} is not WooCommerce's (got ${sample ?? 'nothing'}); is ${this.storeUrl} the shop's address?`);
    }
    return { data: parsed.data, headers: response.headers };
  }

  async systemStatus(): Promise<SystemStatus> {
    return (await this.#call('reading the system status (GET /wp-json/wc/v3/system_status)', SystemStatusSchema, () => this.#api.get('system_status'))).data;
  }

  /** The store-wide low-stock threshold (WooCommerce → Settings → Products → Inventory; default 2). */
  async lowStockAmount(): Promise<number | undefined> {
    const schema = z.object({ value: z.union([z.string(), z.number()]) }).loose();
    const { data } = await this.#call('reading the low-stock setting', schema, () => this.#api.get('settings/products/woocommerce_notify_low_stock_amount'));
    const value = Number(data.value);
    return Number.isFinite(value) ? value : undefined;
  }

  /** Every webhook of the store, all pages. */
  async listWebhooks(): Promise<Webhook[]> {
    const all: Webhook[] = [];
    for (let page = 1; page <= 50; page++) {
      const { data, headers } = await this.#call('listing the webhooks', z.array(WebhookSchema), () => this.#api.get('webhooks', { per_page: 100, page }));
      all.push(...data);
      const pages = Number(headers['x-wp-totalpages'] ?? 1);
      if (!Number.isFinite(pages) || page >= pages || data.length === 0) break;
    }
    return all;
  }

  async createWebhook(body: { name: string; topic: string; delivery_url: string; secret: string; status: 'active' }): Promise<Webhook> {
    return (await this.#call(`creating the ${body.topic} webhook`, WebhookSchema, () => this.#api.post('webhooks', body))).data;
  }

  async updateWebhook(id: number, body: { status?: 'active'; secret?: string; delivery_url?: string }): Promise<Webhook> {
    return (await this.#call(`updating webhook #${id}`, WebhookSchema, () => this.#api.put(`webhooks/${id}`, body))).data;
  }

  /** Deletes for good (webhooks cannot be trashed: without force=true WooCommerce answers 501). */
  async deleteWebhook(id: number): Promise<void> {
    await this.#call(`deleting webhook #${id}`, z.unknown(), () => this.#api.delete(`webhooks/${id}`, { force: true }));
  }

  async addOrderNote(orderId: string, note: string, customerNote: boolean): Promise<z.infer<typeof NoteSchema>> {
    return (await this.#call(`adding a note to order ${orderId}`, NoteSchema, () => this.#api.post(`orders/${orderId}/notes`, { note, customer_note: customerNote }))).data;
  }

  async getOrder(orderId: string): Promise<Record<string, unknown>> {
    return (await this.#call(`reading order ${orderId}`, z.record(z.string(), z.unknown()), () => this.#api.get(`orders/${orderId}`))).data;
  }

  async getProduct(productId: string): Promise<Record<string, unknown>> {
    return (await this.#call(`reading product ${productId}`, z.record(z.string(), z.unknown()), () => this.#api.get(`products/${productId}`))).data;
  }
}
