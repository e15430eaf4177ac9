import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createHub, type CreateHubOptions, type Hub } from '../../src/hub.ts';
import { createApiKey } from '../../src/tenancy/api-keys.ts';
import { createTenant } from '../../src/tenancy/tenants.ts';
import { createTestDatabase, dropRedisPrefix, TEST_REDIS_URL } from './stores.ts';

export type TestHubMode = 'embedded' | 'postgres' | 'postgres+redis';

export interface TestHub {
  hub: Hub;
  url: string;
  tenantId: string;
  apiKey: string;
  /** fetch against the hub with the tenant's API key; JSON bodies are serialized. */
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string>; apiKey?: string | null }): Promise<{ status: number; headers: Headers; body: any }>;
  /** Another tenant with its own key, for isolation tests. */
  createTenant(name: string): Promise<{ tenantId: string; apiKey: string }>;
  close(): Promise<void>;
}

/** A whole hub (store, queue, workers, HTTP on a free port) as `npm start` builds it, for end-to-end tests. */
export async function startTestHub(
  mode: TestHubMode = 'embedded',
  env: Record<string, string> = {},
  options: { beforeStart?: (hub: Hub) => void; hub?: Omit<CreateHubOptions, 'logger'> } = {},
): Promise<TestHub> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-test-'));
  const database = mode === 'embedded' ? undefined : await createTestDatabase();
  const queuePrefix = mode === 'postgres+redis' ? `hubtest${randomBytes(4).toString('hex')}` : undefined;
  const config = loadConfig({
    PORT: '0',
    HUB_HOST: '127.0.0.1',
    HUB_DATA_DIR: dataDir,
    HUB_LOG_LEVEL: 'silent',
    // No SMPP listener unless a test asks for one (HUB_SMPP_PORT: '0'): the default 2775 would clash between test hubs.
    HUB_SMPP_PORT: 'off',
    ...(database ? { DATABASE_URL: database.url, HUB_SECRET_KEY: randomBytes(32).toString('base64') } : {}),
    ...(queuePrefix ? { REDIS_URL: TEST_REDIS_URL, HUB_QUEUE_PREFIX: queuePrefix } : {}),
    ...env,
  });
  const hub = await createHub(config, { ...options.hub, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  options.beforeStart?.(hub);
  const { url } = await hub.start();
  const addTenant = async (name: string) => {
    const tenant = await createTenant(hub.store, name);
    const { key } = await createApiKey(hub.store, tenant.id, 'test');
    return { tenantId: tenant.id, apiKey: key };
  };
  const first = await addTenant('test tenant');
  return {
    hub,
    url: url!,
    ...first,
    createTenant: addTenant,
    async api(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      const key = init.apiKey === undefined ? first.apiKey : init.apiKey;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(url + path, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: keep the text.
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      await hub.stop();
      await database?.drop();
      if (queuePrefix) await dropRedisPrefix(queuePrefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
