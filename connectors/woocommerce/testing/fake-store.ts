/**
 * A WooCommerce store for tests: its REST API (wc/v3) reproduced with nock, with the behaviour of
 * WooCommerce's own controllers (WC_REST_Webhooks_V1_Controller and friends: 201 on create, the
 * secret only in the create answer, DELETE refused with 501 without force=true, 401 for a wrong
 * key, X-WP-Total headers), and its webhook deliveries built as WC_Webhook::deliver builds them
 * (headers, PHP-style JSON, base64 HMAC-SHA256 signature, the creation ping).
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nock from 'nock';

export const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixture<T extends object = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export interface StoreWebhook {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  resource: string;
  event: string;
  hooks: string[];
  delivery_url: string;
  secret: string;
  date_created: string;
  date_created_gmt: string;
  date_modified: string;
  date_modified_gmt: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/**
 * What a failure looks like from the hub: a refused connection, a timeout, or an HTTP answer.
 * `applied`: the store did the work before the failure (a proxy timed out while WooCommerce went on).
 */
export type Failure = { error: 'ECONNREFUSED' | 'ETIMEDOUT'; applied?: boolean } | { status: number; body?: unknown };

/**
 * PHP's json_encode as wp_json_encode calls it: "/" escaped as "\/" and non-ASCII as \uXXXX. The
 * signature is over these exact bytes, so the hub must verify the raw body, not a re-serialization.
 */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const HOOKS: Record<string, string[]> = {
  'order.created': ['woocommerce_new_order'],
  'order.updated': ['woocommerce_update_order', 'woocommerce_order_refunded', 'woocommerce_delete_order_refund'],
  'product.updated': ['woocommerce_process_product_meta', 'woocommerce_update_product', 'woocommerce_update_product_variation'],
  'customer.created': ['user_register', 'woocommerce_created_customer', 'woocommerce_new_customer'],
};

export class FakeStore {
  readonly url: string;
  readonly consumerKey = `ck_${'a1b2c3d4e5'.repeat(4)}`;
  readonly consumerSecret = `cs_${'f6e7d8c9b0'.repeat(4)}`;
  readonly webhooks = new Map<number, StoreWebhook>();
  readonly requests: RecordedRequest[] = [];
  /** Failures to answer with, first match wins; each used `times` times. */
  readonly #failures: { method: string; path: RegExp; failure: Failure; times: number; when: (body: Record<string, unknown>) => boolean }[] = [];
  #nextId = 140;
  #scope: nock.Scope | undefined;
  /** Rewrites a webhook's delivery URL to where the hub listens (HUB_PUBLIC_URL is not the test hub's port). */
  deliverTo: (deliveryUrl: string) => string = (url) => url;
  /** Whether creating a webhook pings its delivery URL, as WooCommerce does. */
  pingOnCreate = true;
  readonly pings: { webhookId: number; status: number }[] = [];

  constructor(url = 'https://boutique.example.fr') {
    this.url = url;
  }

  get basicAuth(): string {
    return `Basic ${Buffer.from(`${this.consumerKey}:${this.consumerSecret}`).toString('base64')}`;
  }

  /** The next `times` matching requests fail; `when` narrows on the JSON body (e.g. one topic). */
  fail(method: string, path: RegExp, failure: Failure, times = 1, when: (body: Record<string, unknown>) => boolean = () => true): void {
    this.#failures.push({ method: method.toUpperCase(), path, failure, times, when });
  }

  /** Adds a webhook as if an admin (or an earlier hub run) had created it. */
  addWebhook(values: Partial<StoreWebhook> & Pick<StoreWebhook, 'topic' | 'delivery_url'>): StoreWebhook {
    const now = new Date().toISOString().slice(0, 19);
    const [resource, event] = values.topic.split('.') as [string, string];
    const webhook: StoreWebhook = {
      id: this.#nextId++,
      name: `Webhook created on ${now}`,
      status: 'active',
      resource,
      event,
      hooks: HOOKS[values.topic] ?? [],
      secret: `wp-generated-${this.#nextId}`,
      date_created: now,
      date_created_gmt: now,
      date_modified: now,
      date_modified_gmt: now,
      ...values,
    };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  byTopic(topic: string): StoreWebhook[] {
    return [...this.webhooks.values()].filter((webhook) => webhook.topic === topic);
  }

  #view(webhook: StoreWebhook, edit: boolean) {
    const { secret, ...rest } = webhook;
    const links = { self: [{ href: `${this.url}/wp-json/wc/v3/webhooks/${webhook.id}` }], collection: [{ href: `${this.url}/wp-json/wc/v3/webhooks` }] };
    return edit ? { ...rest, secret, _links: links } : { ...rest, _links: links };
  }

  start(): this {
    const prefix = '/wp-json/wc/v3';
    // nock 15 calls a one-argument reply function with the fetch Request; what it throws fails the request.
    const answer = (method: string) => async (request: Request): Promise<nock.ReplyFnResult> => {
      const url = new URL(request.url);
      const uri = `${url.pathname}${url.search}`;
      const text = await request.text();
      const parsed = (text !== '' ? JSON.parse(text) : {}) as Record<string, unknown>;
      this.requests.push({ method, path: uri, body: text === '' ? undefined : parsed });
      const failure = this.#failures.find((one) => one.method === method && one.path.test(url.pathname) && one.times > 0 && one.when(parsed));
      if (failure) {
        failure.times--;
        if ('error' in failure.failure && failure.failure.applied) await this.#route(method, url, url.pathname.slice(prefix.length), parsed);
        if ('error' in failure.failure) throw Object.assign(new Error(`connect ${failure.failure.error} 203.0.113.10:443`), { code: failure.failure.error });
        return [failure.failure.status, failure.failure.body ?? { code: 'internal_server_error', message: 'Une erreur critique est survenue sur ce site.', data: { status: failure.failure.status } }];
      }
      if (request.headers.get('authorization') !== this.basicAuth) {
        return [401, { code: 'woocommerce_rest_cannot_view', message: 'Désolé, vous ne pouvez pas lister les ressources.', data: { status: 401 } }];
      }
      return this.#route(method, url, url.pathname.slice(prefix.length), parsed);
    };
    this.#scope = nock(this.url)
      .persist()
      .get((path) => path.startsWith(prefix))
      .query(true)
      .reply(answer('GET'))
      .post((path) => path.startsWith(prefix))
      .query(true)
      .reply(answer('POST'))
      .put((path) => path.startsWith(prefix))
      .query(true)
      .reply(answer('PUT'))
      .delete((path) => path.startsWith(prefix))
      .query(true)
      .reply(answer('DELETE'));
    return this;
  }

  stop(): void {
    this.#scope?.persist(false);
    nock.cleanAll();
  }

  async #route(method: string, url: URL, path: string, body: Record<string, unknown>): Promise<nock.ReplyFnResult> {
    const query = url.searchParams;
    const webhookMatch = path.match(/^\/webhooks\/(\d+)$/);
    if (method === 'GET' && path === '/system_status') return [200, fixture('system-status.json')];
    if (method === 'GET' && path === '/settings/products/woocommerce_notify_low_stock_amount') {
      return [200, { id: 'woocommerce_notify_low_stock_amount', label: 'Seuil de stock faible', description: 'Quand le stock d\'un produit atteint cette quantité, vous serez averti par e-mail.', type: 'number', default: '2', tip: '', value: '3' }];
    }
    if (method === 'GET' && path === '/webhooks') {
      const perPage = Number(query.get('per_page') ?? 10);
      const page = Number(query.get('page') ?? 1);
      const all = [...this.webhooks.values()].sort((a, b) => b.id - a.id);
      const items = all.slice((page - 1) * perPage, page * perPage).map((webhook) => this.#view(webhook, false));
      return [200, items, { 'X-WP-Total': String(all.length), 'X-WP-TotalPages': String(Math.max(1, Math.ceil(all.length / perPage))) }];
    }
    if (method === 'POST' && path === '/webhooks') {
      if (typeof body.topic !== 'string' || !HOOKS[body.topic]) return [400, { code: 'woocommerce_rest_shop_webhook_invalid_topic', message: 'Webhook topic is required and must be valid.', data: { status: 400 } }];
      const webhook = this.addWebhook({
        topic: body.topic,
        delivery_url: String(body.delivery_url),
        name: typeof body.name === 'string' ? body.name : 'Webhook',
        secret: typeof body.secret === 'string' && body.secret !== '' ? body.secret : 'generated',
        // WC_REST_Webhooks_V1_Controller::create_item: always active on creation.
        status: 'active',
      });
      // create_item answers after deliver_ping(): the ping reaches the receiver before the hub has the id.
      if (this.pingOnCreate) await this.ping(webhook);
      return [201, this.#view(webhook, true), { Location: `${this.url}/wp-json/wc/v3/webhooks/${webhook.id}` }];
    }
    if (webhookMatch && method === 'PUT') {
      const webhook = this.webhooks.get(Number(webhookMatch[1]));
      if (!webhook) return [400, { code: 'woocommerce_rest_shop_webhook_invalid_id', message: 'ID is invalid.', data: { status: 400 } }];
      if (typeof body.status === 'string') webhook.status = body.status as StoreWebhook['status'];
      if (typeof body.secret === 'string' && body.secret !== '') webhook.secret = body.secret;
      if (typeof body.delivery_url === 'string') webhook.delivery_url = body.delivery_url;
      return [200, this.#view(webhook, true)];
    }
    if (webhookMatch && method === 'DELETE') {
      if (query.get('force') !== 'true') return [501, { code: 'woocommerce_rest_trash_not_supported', message: 'Webhooks do not support trashing.', data: { status: 501 } }];
      const webhook = this.webhooks.get(Number(webhookMatch[1]));
      if (!webhook) return [404, { code: 'woocommerce_rest_shop_webhook_invalid_id', message: 'Invalid ID.', data: { status: 404 } }];
      this.webhooks.delete(webhook.id);
      return [200, this.#view(webhook, true)];
    }
    const noteMatch = path.match(/^\/orders\/(\d+)\/notes$/);
    if (noteMatch && method === 'POST') {
      if (noteMatch[1] !== '727') return [404, { code: 'woocommerce_rest_order_invalid_id', message: 'ID invalide.', data: { status: 404 } }];
      return [201, { id: 2811, author: 'connector-hub', date_created: '2026-05-13T10:00:00', date_created_gmt: '2026-05-13T08:00:00', note: body.note, customer_note: body.customer_note === true }];
    }
    const orderMatch = path.match(/^\/orders\/(\d+)$/);
    if (orderMatch && method === 'GET') {
      return orderMatch[1] === '727' ? [200, fixture('order-v3.json')] : [404, { code: 'woocommerce_rest_shop_order_invalid_id', message: 'ID invalide.', data: { status: 404 } }];
    }
    const productMatch = path.match(/^\/products\/(\d+)$/);
    if (productMatch && method === 'GET') {
      return productMatch[1] === '77' ? [200, fixture('product-v3.json')] : [404, { code: 'woocommerce_rest_product_invalid_id', message: 'ID invalide.', data: { status: 404 } }];
    }
    return [404, { code: 'rest_no_route', message: 'Aucune route correspondante à l’URL et à la méthode de la requête n’a été trouvée.', data: { status: 404 } }];
  }

  /** WC_Webhook::deliver_ping: `webhook_id=N`, form-encoded by cURL, no X-WC-* headers. */
  async ping(webhook: StoreWebhook): Promise<number> {
    const response = await fetch(this.deliverTo(webhook.delivery_url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)' },
      body: `webhook_id=${webhook.id}`,
    });
    await response.arrayBuffer();
    this.pings.push({ webhookId: webhook.id, status: response.status });
    return response.status;
  }

  /** The request WC_Webhook::deliver makes for `payload` on the webhook of `topic`. */
  delivery(topic: string, payload: unknown, options: { secret?: string; deliveryId?: string; webhook?: StoreWebhook } = {}): { url: string; init: RequestInit; body: string } {
    const webhook = options.webhook ?? this.byTopic(topic)[0];
    if (!webhook) throw new Error(`the store has no ${topic} webhook`);
    const body = phpJson(payload);
    const signature = createHmac('sha256', options.secret ?? webhook.secret).update(body).digest('base64');
    const deliveryId = options.deliveryId ?? createHash('md5').update(`${webhook.id}${Math.floor(Date.now() / 1000)}${Math.random()}`).digest('hex');
    return {
      url: this.deliverTo(webhook.delivery_url),
      body,
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)',
          'x-wc-webhook-source': `${this.url}/`,
          'x-wc-webhook-topic': webhook.topic,
          'x-wc-webhook-resource': webhook.resource,
          'x-wc-webhook-event': webhook.event,
          'x-wc-webhook-signature': signature,
          'x-wc-webhook-id': String(webhook.id),
          'x-wc-webhook-delivery-id': deliveryId,
        },
        body,
      },
    };
  }

  /** Delivers as WooCommerce does; returns the hub's answer. */
  async deliver(topic: string, payload: unknown, options: { secret?: string; deliveryId?: string } = {}): Promise<{ status: number; body: unknown; request: ReturnType<FakeStore['delivery']> }> {
    const request = this.delivery(topic, payload, options);
    const response = await fetch(request.url, request.init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Keep the text.
    }
    return { status: response.status, body, request };
  }
}
