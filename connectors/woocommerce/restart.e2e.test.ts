/**
 * Across restarts (DESIGN §5): stopping the hub never tears anything down at the store (n8n#1122),
 * and starting it reconciles every installation: webhooks WooCommerce disabled or that were deleted
 * meanwhile are repaired, without duplicates, and what the hub remembers survives.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createHub, type Hub } from '../../src/hub.ts';
import { FakeStore } from './testing/fake-store.ts';
import { waitFor } from '../../test/support/wait.ts';

const PUBLIC_URL = 'https://hub.example.test';
const apiKey = `hub_restart_${randomBytes(16).toString('hex')}`;
let dataDir = '';
const store = new FakeStore('https://restart.example.fr');

async function startHub(): Promise<{ hub: Hub; url: string }> {
  const config = loadConfig({ PORT: '0', HUB_HOST: '127.0.0.1', HUB_DATA_DIR: dataDir, HUB_LOG_LEVEL: 'silent', HUB_SMPP_PORT: 'off', HUB_PUBLIC_URL: PUBLIC_URL, HUB_BOOTSTRAP_API_KEY: apiKey });
  const hub = await createHub(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  const { url } = await hub.start();
  store.deliverTo = (deliveryUrl) => deliveryUrl.replace(PUBLIC_URL, url!);
  return { hub, url: url! };
}

async function api(url: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(url + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${apiKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { installation?: { id: string } } };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hub-restart-'));
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  store.start();
});

afterAll(async () => {
  store.stop();
  nock.enableNetConnect();
  await rm(dataDir, { recursive: true, force: true });
});

it('stops without touching the store, and repairs its webhooks at the next start', async () => {
  const first = await startHub();
  const installed = await api(first.url, '/v1/connectors/woocommerce/installations', { body: { storeUrl: store.url, consumerKey: store.consumerKey, consumerSecret: store.consumerSecret } });
  expect(installed.status).toBe(201);
  const id = installed.body.installation!.id;
  const before = store.requests.length;
  await first.hub.stop();
  expect(store.requests.slice(before)).toEqual([]);
  expect(store.webhooks.size).toBe(4);

  // While the hub was down: WooCommerce disabled one webhook after failed deliveries, an admin deleted another.
  const orderUpdated = store.byTopic('order.updated')[0]!;
  orderUpdated.status = 'disabled';
  store.webhooks.delete(store.byTopic('product.updated')[0]!.id);

  const second = await startHub();
  try {
    await waitFor(async () => store.webhooks.size === 4 && [...store.webhooks.values()].every((webhook) => webhook.status === 'active'), 'the start-up reconcile');
    expect(store.byTopic('order.updated').map((webhook) => webhook.id)).toEqual([orderUpdated.id]);
    expect(store.byTopic('product.updated')).toHaveLength(1);
    const status = await waitFor(async () => {
      const answer = await api(second.url, `/v1/connectors/woocommerce/installations/${id}`);
      return answer.body.status === 'active' && (answer.body.remote as { status: string }[]).every((resource) => resource.status === 'active') && answer;
    }, 'the installation active again');
    expect(status.body.lastError).toBeNull();
    // The recreated webhook's secret is known to the hub: its deliveries verify.
    const delivered = await store.deliver('product.updated', { id: 77, name: 'Bougie', manage_stock: true, stock_quantity: 1, stock_status: 'instock', date_modified_gmt: '2026-05-12T12:00:00' });
    expect(delivered.status).toBe(200);
  } finally {
    await second.hub.stop();
  }
});
