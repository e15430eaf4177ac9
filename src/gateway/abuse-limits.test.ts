/**
 * Abuse limits and secrets in URLs, on a gateway with a real store: 429 per key, per address after
 * failed authentications and on public routes; unknown keys not looked up again; `?api_key=` never
 * logged nor echoed.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../logger.ts';
import type { Store } from '../store/db.ts';
import { authenticateApiKey, createApiKey } from '../tenancy/api-keys.ts';
import { tenancyRoutes } from '../tenancy/routes.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { testStores } from '../../test/support/stores.ts';
import { buildGateway } from './app.ts';

const LIMITS = { perKey: 5, authFailures: 3, public: 4 };

describe('abuse limits and redaction', () => {
  let store: Store;
  let app: FastifyInstance;
  let key = '';
  const keyLookups: string[] = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    store = await testStores[0]!.open();
    const tenant = await createTenant(store, 'limits');
    key = (await createApiKey(store, tenant.id, 'test')).key;
    // Counts the authentication reads the gateway makes, on the real store.
    const counted: Store = { ...store, query: (sql, params) => (sql.includes('FROM api_keys WHERE key_hash') && keyLookups.push(sql), store.query(sql, params)) };
    const sink = new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) });
    app = await buildGateway({
      logger: pino(loggerOptions('info'), sink),
      authenticateApiKey: (key) => authenticateApiKey(counted, key),
      publicUrl: 'http://hub.test',
      version: 'test',
      bodyLimitBytes: 4096,
      rateLimits: LIMITS,
      readiness: [],
      routes: [
        { scope: 'v1', register: async (scope) => void (await scope.register(tenancyRoutes, { db: counted })) },
        { scope: 'public', prefix: '/hooks', register: async (scope) => void scope.get('/ping', async () => ({ pong: true })) },
      ],
    });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1') => app.inject({ method: 'GET', url, headers, remoteAddress });
  const expect429 = (response: Awaited<ReturnType<typeof get>>) => {
    expect(response.statusCode).toBe(429);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.headers['x-request-id']).toBeTruthy();
    expect(response.json()).toMatchObject({ type: 'urn:hub:problem:rate-limited', status: 429 });
  };

  it('limits each API key per minute', async () => {
    const bearer = { authorization: `Bearer ${key}` };
    for (let i = 0; i < LIMITS.perKey; i++) expect((await get('/v1/me', bearer, `10.1.0.${i}`)).statusCode).toBe(200);
    expect429(await get('/v1/me', bearer, '10.1.0.99'));
  });

  it('remembers an unknown key briefly instead of reading the store for each try', async () => {
    keyLookups.length = 0;
    const wrong = { authorization: 'Bearer hub_thisKeyDoesNotExist000000000000000000000' };
    expect((await get('/v1/me', wrong, '10.2.0.1')).statusCode).toBe(401);
    expect((await get('/v1/me', wrong, '10.2.0.2')).statusCode).toBe(401);
    expect((await get('/v1/me', wrong, '10.2.0.3')).statusCode).toBe(401);
    expect(keyLookups).toHaveLength(1);
  });

  it('makes an address that keeps failing authentication wait, without looking its keys up', async () => {
    for (let i = 0; i < LIMITS.authFailures; i++) expect((await get('/v1/me', { authorization: `Bearer hub_guess${i}` }, '10.3.0.1')).statusCode).toBe(401);
    keyLookups.length = 0;
    expect429(await get('/v1/me', { authorization: 'Bearer hub_guess-next' }, '10.3.0.1'));
    expect429(await get('/v1/me', {}, '10.3.0.1'));
    expect(keyLookups).toHaveLength(0);
    // Another address is not affected.
    expect((await get('/v1/me', { authorization: 'Bearer hub_guess-other' }, '10.3.0.2')).statusCode).toBe(401);
  });

  it('limits public routes per address', async () => {
    for (let i = 0; i < LIMITS.public; i++) expect((await get('/hooks/ping', {}, '10.4.0.1')).statusCode).toBe(200);
    expect429(await get('/hooks/ping', {}, '10.4.0.1'));
    expect((await get('/hooks/ping', {}, '10.4.0.2')).statusCode).toBe(200);
  });

  it('never logs nor echoes a key sent in the query string', async () => {
    logLines.length = 0;
    const response = await get(`/v1/me?api_key=${key}&access_token=${key}&page=2`, {}, '10.5.0.1');
    expect(response.statusCode).toBe(401);
    expect(response.json().instance).toBe('/v1/me');
    expect(response.body).not.toContain(key);
    const logged = logLines.join('');
    expect(logged).toContain('/v1/me?api_key=[redacted]&access_token=[redacted]&page=2');
    expect(logged).not.toContain(key);
  });
});
