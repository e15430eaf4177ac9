/**
 * The WooCommerce part of bench/ingest: signed WooCommerce webhooks accepted per second by
 * POST /connectors/woocommerce/<installation>/webhook (installation looked up, HMAC verified on the
 * raw body, stored in the inbox and its processing queued before the 200), on a hub process
 * installed against a fake store on loopback (its REST API answers what the install needs).
 * Each request is a distinct order.updated delivery, signed as WC_Webhook::deliver signs it.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createTestDatabase, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { freePort, startProcess } from '../../test/support/processes.ts';

export interface WebhookBenchResult {
  target: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

interface FakeStore {
  url: string;
  webhooks: { id: number; topic: string; secret: string; delivery_url: string; status: string }[];
  close(): Promise<void>;
}

/** Just enough of WooCommerce's REST API (wc/v3) for the hub to install: status, settings, webhooks. */
async function startFakeStore(): Promise<FakeStore> {
  const webhooks: FakeStore['webhooks'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://store').pathname.replace('/wp-json/wc/v3', '');
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>) : {};
      const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(value));
      };
      if (path === '/system_status') return send(200, { environment: { version: '9.4.2' }, settings: { currency: 'EUR' } });
      if (path === '/settings/products/woocommerce_notify_low_stock_amount') return send(200, { id: 'woocommerce_notify_low_stock_amount', value: '2' });
      if (path === '/webhooks' && request.method === 'GET') return send(200, webhooks, { 'x-wp-total': String(webhooks.length), 'x-wp-totalpages': '1' });
      if (path === '/webhooks' && request.method === 'POST') {
        const webhook = { id: 100 + webhooks.length, topic: body.topic!, secret: body.secret!, delivery_url: body.delivery_url!, status: 'active' };
        webhooks.push(webhook);
        return send(201, webhook);
      }
      return send(404, { code: 'rest_no_route', message: 'No route', data: { status: 404 } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    webhooks,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const order = JSON.parse(readFileSync(new URL('../../connectors/woocommerce/fixtures/order-v3.json', import.meta.url), 'utf8')) as Record<string, unknown>;

export async function measureWooCommerceWebhooks(options: { hubScript: string; apiKey: string; seconds: number; connections: number }): Promise<WebhookBenchResult[]> {
  const results: WebhookBenchResult[] = [];
  for (const mode of ['embedded', 'postgres+redis'] as const) {
    const store = await startFakeStore();
    const dataDir = await mkdtemp(join(tmpdir(), 'hub-bench-woo-'));
    const database = mode === 'embedded' ? undefined : await createTestDatabase();
    const hub = await startProcess(
      options.hubScript,
      {
        HUB_DATA_DIR: dataDir,
        HUB_BOOTSTRAP_API_KEY: options.apiKey,
        HUB_LOG_LEVEL: 'warn',
        // The fake store listens on loopback: the SSRF guard would refuse it.
        HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        // Every delivery comes from one loopback address: the per-address limit of public routes would measure itself.
        HUB_RATE_LIMIT_PUBLIC: '0',
        ...(database ? { DATABASE_URL: database.url, HUB_SECRET_KEY: randomBytes(32).toString('base64'), REDIS_URL: TEST_REDIS_URL, HUB_QUEUE_PREFIX: `benchwoo${randomBytes(3).toString('hex')}` } : {}),
      },
      await freePort(),
    );
    try {
      const installed = await fetch(`${hub.url}/v1/connectors/woocommerce/installations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ storeUrl: store.url, consumerKey: `ck_${'b'.repeat(40)}`, consumerSecret: `cs_${'c'.repeat(40)}` }),
      });
      if (installed.status !== 201) throw new Error(`install failed: ${installed.status} ${await installed.text()}`);
      const installationId = ((await installed.json()) as { installation: { id: string } }).installation.id;
      const webhook = store.webhooks.find((one) => one.topic === 'order.updated')!;
      let sequence = 0;
      const load = async () => {
        const result = await autocannon({
          url: `${hub.url}/connectors/woocommerce/${installationId}/webhook`,
          connections: options.connections,
          duration: options.seconds,
          requests: [
            {
              method: 'POST',
              setupRequest: (request) => {
                const n = sequence++;
                const body = JSON.stringify({ ...order, id: 10_000 + n, number: String(10_000 + n), date_modified_gmt: new Date(Date.UTC(2026, 4, 12, 12) + n * 1000).toISOString().slice(0, 19) });
                return {
                  ...request,
                  body,
                  headers: {
                    'content-type': 'application/json',
                    'user-agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)',
                    'x-wc-webhook-source': `${store.url}/`,
                    'x-wc-webhook-topic': 'order.updated',
                    'x-wc-webhook-resource': 'order',
                    'x-wc-webhook-event': 'updated',
                    'x-wc-webhook-id': String(webhook.id),
                    'x-wc-webhook-delivery-id': createHash('md5').update(`${webhook.id}${n}`).digest('hex'),
                    'x-wc-webhook-signature': createHmac('sha256', webhook.secret).update(body).digest('base64'),
                  },
                };
              },
            },
          ],
        });
        return result;
      };
      await load().catch(() => undefined); // warm-up
      const result = await load();
      results.push({
        target: `WooCommerce webhooks, signed (hub ${mode === 'embedded' ? 'embedded' : 'PostgreSQL + BullMQ/Redis'})`,
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      });
    } finally {
      await hub.stop();
      await store.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  return results;
}
