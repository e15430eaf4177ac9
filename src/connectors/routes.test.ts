import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { woocommerce } from '../../connectors/woocommerce/index.ts';
import { buildGateway } from '../gateway/app.ts';
import type { Db } from '../store/db.ts';
import { authenticateApiKey } from '../tenancy/api-keys.ts';
import { createVault } from '../vault/vault.ts';
import { createConnectorsModule } from './connectors-module.ts';
import { mergePatch } from './installation-patch.ts';

describe('connector routes in the gateway', () => {
  let app: Awaited<ReturnType<typeof buildGateway>>;
  beforeAll(async () => {
    const log = pino({ level: 'silent' });
    const db = { query: async () => [], transaction: async () => undefined } as unknown as Db;
    const connectors = createConnectorsModule({
      db,
      queue: {} as never,
      bus: {} as never,
      contacts: {} as never,
      vault: createVault(randomBytes(32)),
      log,
      publicUrl: 'https://hub.example.test',
      allowPrivateTargets: false,
      connectors: [woocommerce],
    });
    app = await buildGateway({
      logger: log,
      authenticateApiKey: (key) => authenticateApiKey(db, key),
      publicUrl: 'https://hub.example.test',
      version: '0.0.0',
      bodyLimitBytes: 1_000_000,
      readiness: [],
      routes: [
        ...connectors.routes,
        // Another public module registered after the connector: its JSON parser must be untouched.
        { scope: 'public', prefix: '/probe', register: async (scope) => void scope.post('/', async (request) => ({ body: typeof request.body })) },
      ],
    });
    await app.ready();
  });
  afterAll(async () => app?.close());

  it('documents the API and the public receivers in the OpenAPI document', async () => {
    const response = await app.inject({ url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    expect(Object.keys((JSON.parse(response.body) as { paths: object }).paths)).toEqual(
      expect.arrayContaining([
        '/v1/connectors',
        '/v1/connectors/{connectorId}/installations',
        '/v1/connectors/{connectorId}/installations/{installationId}',
        '/v1/connectors/{connectorId}/installations/{installationId}/reconcile',
        '/v1/connectors/{connectorId}/installations/{installationId}/actions/{actionId}',
        '/connectors/woocommerce/{installationId}/webhook',
        '/connectors/woocommerce/{installationId}/cart',
      ]),
    );
  });

  it('keeps raw bodies inside the connector\'s scope only', async () => {
    const probe = await app.inject({ method: 'POST', url: '/probe', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(JSON.parse(probe.body)).toEqual({ body: 'object' });
    const webhook = await app.inject({ method: 'POST', url: '/connectors/woocommerce/ins_unknown/webhook', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    // A body that is not even JSON reaches the handler (which answers for the unknown installation), not a 400 from a parser.
    expect(webhook.statusCode).toBe(404);
  });
});

describe('mergePatch (RFC 7396)', () => {
  it.each([
    [{ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 } }, { a: 1, b: { d: 3, e: 4 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, { a: null }, {}],
    [undefined, { a: { b: 1 } }, { a: { b: 1 } }],
  ])('%j + %j → %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});
