import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../gateway/app.ts';
import { consoleRouteModules } from './console-routes.ts';

async function gatewayServing(root: string): Promise<FastifyInstance> {
  return buildGateway({
    logger: pino({ level: 'silent' }),
    authenticateApiKey: async () => undefined,
    publicUrl: 'http://127.0.0.1',
    version: 'test',
    bodyLimitBytes: 1024 * 1024,
    readiness: [],
    routes: consoleRouteModules({ root }),
  });
}

describe('the console routes', () => {
  let root: string;
  let app: FastifyInstance;
  let unbuilt: FastifyInstance;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'console-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><script type="module" src="/console/assets/app-1234.js"></script>');
    await writeFile(join(root, 'assets', 'app-1234.js'), 'console.log(1)');
    app = await gatewayServing(root);
    unbuilt = await gatewayServing(join(root, 'nothing-here'));
  });
  afterAll(async () => {
    await app?.close();
    await unbuilt?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('redirects / to the console', async () => {
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/console/');
  });

  it.each(['/console', '/console/', '/console/connectors/woocommerce', '/console/setup?token=abc'])('answers the app for %s, under a CSP without inline scripts', async (url) => {
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('/console/assets/app-1234.js');
    const csp = String(response.headers['content-security-policy']);
    const scriptSrc = csp.split(';').find((directive) => directive.trim().startsWith('script-src'))!;
    expect(scriptSrc).toContain("'self'");
    expect(scriptSrc).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('serves hashed assets to be cached for good, and 404 for a missing one', async () => {
    const asset = await app.inject({ url: '/console/assets/app-1234.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect((await app.inject({ url: '/console/assets/nope.js' })).statusCode).toBe(404);
  });

  it('says how to build the console when it is not built', async () => {
    const response = await unbuilt.inject({ url: '/console/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toMatch(/npm install/);
  });

  it('keeps the console out of the API reference', async () => {
    const document = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(document.paths ?? {}).filter((path) => path === '/' || path.startsWith('/console'))).toEqual([]);
  });
});
