import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/hub.ts';

const order = { orderId: '1234', status: 'processing', total: { amount: 59.9, currency: 'EUR' }, lines: [] };

describe('gateway: auth, errors, health, OpenAPI', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub('embedded', { HUB_BODY_LIMIT_BYTES: '4096' });
  });
  afterAll(async () => t?.close());

  it('answers /healthz and /readyz with store, queue and workers checks (an `all` process counts itself)', async () => {
    expect((await t.api('/healthz', { apiKey: null })).body).toEqual({ status: 'ok' });
    const ready = await t.api('/readyz', { apiKey: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { store: 'ok', queue: 'ok', workers: 'ok' }, details: { workers: { alive: 1 } } });
  });

  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const doc = await t.api('/docs/json', { apiKey: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/v1/events'].post.requestBody.content['application/json'].schema.required).toContain('type');
    expect((await fetch(`${t.url}/docs`, { redirect: 'follow' })).status).toBe(200);
  });

  it('echoes or assigns a request id', async () => {
    const response = await t.api('/v1/me', { headers: { 'x-request-id': 'req-abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('req-abc-123');
    expect((await t.api('/v1/me')).headers.get('x-request-id')).toBeTruthy();
  });

  it.each([
    ['no Authorization header', null, /Authorization: Bearer/],
    ['an unknown key', 'hub_notakey', /unknown or revoked/],
  ])('refuses %s with 401 problem+json', async (_what, apiKey, detail) => {
    const response = await t.api('/v1/events', { apiKey });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.body).toMatchObject({ type: 'urn:hub:problem:unauthorized', status: 401, detail: expect.stringMatching(detail) });
  });

  it('refuses a malformed Authorization scheme', async () => {
    expect((await t.api('/v1/me', { apiKey: null, headers: { authorization: `Basic ${t.apiKey}` } })).status).toBe(401);
  });

  it('GET /v1/me names the tenant and no secret', async () => {
    const me = await t.api('/v1/me');
    expect(me.body).toEqual({ tenantId: t.tenantId, tenantName: 'test tenant', role: 'admin', apiKeyId: expect.stringMatching(/^key_/), userId: null });
    expect(JSON.stringify(me.body)).not.toContain(t.apiKey);
  });

  describe('bad input is refused precisely and changes nothing', () => {
    const countEvents = async () => (await t.api('/v1/events?limit=200')).body.items.length as number;

    it.each([
      ['malformed JSON', '{"type": "order.created",', 400, 'malformed-body', /not valid JSON/],
      ['an empty JSON body', '', 400, 'malformed-body', /empty/],
      ['a wrong type', { type: 42, data: {} }, 400, 'validation-failed', /invalid field/],
      ['an unknown field', { type: 'order.created', data: order, colour: 'red' }, 400, 'validation-failed', /invalid field/],
      ['an unknown event type', { type: 'order.creatd', data: order }, 400, 'validation-failed', /Unknown event type "order.creatd"/],
      ['data that does not match the type', { type: 'order.created', data: { orderId: 1 } }, 400, 'validation-failed', /does not match the schema of "order.created"/],
      ['a bad source slug', { type: 'order.created', source: 'Woo Commerce', data: order }, 400, 'validation-failed', /invalid field/],
      ['an oversized body', { type: 'custom.big', data: { blob: 'x'.repeat(8000) } }, 413, 'body-too-large', /exceeds the limit of 4096 bytes/],
    ])('%s', async (_what, body, status, code, detail) => {
      const before = await countEvents();
      const response = await t.api('/v1/events', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type: `urn:hub:problem:${code}`, status, detail: expect.stringMatching(detail) });
      expect(await countEvents()).toBe(before);
    });

    it('lists each invalid field with its path from the body, as docs/api-errors.md shows', async () => {
      const response = await t.api('/v1/events', { body: { type: 'order.created', data: { ...order, total: { amount: 'cher', currency: 'EURO' } } } });
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { path: 'body.data.total.amount', message: expect.any(String) },
          { path: 'body.data.total.currency', message: expect.any(String) },
        ]),
      );
    });

    it('refuses a non-JSON content type', async () => {
      const response = await t.api('/v1/events', { body: 'type=order.created', headers: { 'content-type': 'text/plain' } });
      expect(response.status).toBe(415);
      expect(response.body.type).toBe('urn:hub:problem:unsupported-media-type');
    });

    it('refuses a cursor it did not issue', async () => {
      const response = await t.api('/v1/events?cursor=bogus');
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ path: 'querystring.cursor', message: 'invalid cursor' }]);
    });

    const expectProblem = (response: { status: number; headers: Headers; body: any }, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(response.body).toMatchObject({ type: `urn:hub:problem:${code}`, status });
    };

    it.each([
      ['a NUL in a body string', JSON.stringify({ type: 'custom.probe', data: { name: 'a\u0000b' } }), 'body.data.name', /NUL/],
      ['a NUL in a key', '{"type":"custom.probe","data":{"a\\u0000b":1}}', 'body.data."a\\u0000b"', /key contains a NUL/],
      ['a lone surrogate', '{"type":"custom.probe","data":{"list":["ok","x\\ud800y"]}}', 'body.data.list[1]', /lone UTF-16 surrogate/],
      // 1,500 levels fit the 4 KB body limit of this hub; test/api-probe.test.ts sends 3,000.
      ['JSON nested 1,500 levels deep', `{"type":"custom.probe","data":{"a":${'['.repeat(1500)}${']'.repeat(1500)}}}`, /^body\.data\.a(\[0\])+$/, /nested deeper than 64 levels/],
      ['a prototype-poisoning key', '{"type":"custom.probe","data":{"__proto__":{"admin":true}}}', 'body.data.__proto__', /prototype/],
    ])('refuses %s with 400 naming the field, and stores nothing', async (_what, body, path, message) => {
      const before = await countEvents();
      const response = await t.api('/v1/events', { body });
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors[0]).toEqual({ path: expect.stringMatching(typeof path === 'string' ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : path), message: expect.stringMatching(message) });
      expect(await countEvents()).toBe(before);
    });

    it('refuses a NUL in a path or query parameter with 400 naming it', async () => {
      const inPath = await t.api('/v1/events/evt_a%00b');
      expectProblem(inPath, 400, 'validation-failed');
      expect(inPath.body.errors).toEqual([{ path: 'params.id', message: expect.stringMatching(/NUL/) }]);
      const inQuery = await t.api('/v1/events?type=order%00created');
      expectProblem(inQuery, 400, 'validation-failed');
      expect(inQuery.body.errors).toEqual([{ path: 'querystring.type', message: expect.stringMatching(/NUL/) }]);
    });

    it("answers the framework's own errors as problem+json with a request id", async () => {
      expectProblem(await t.api(`/v1/events/${'x'.repeat(1000)}`), 414, 'uri-too-long');
      expectProblem(await t.api('/v1/events/%FF%FE'), 400, 'malformed-request');
      expectProblem(await t.api('/v1/events', { body: 'x'.repeat(5000) }), 413, 'body-too-large');
      expectProblem(await t.api('/v1/nothing-here', { method: 'DELETE' }), 404, 'not-found');
    });

    it('never echoes a query string (it may hold a key) in a problem', async () => {
      const secret = 'hub_query_string_secret_0123456789';
      for (const path of [`/v1/me?api_key=${secret}`, `/v1/nothing-here?token=${secret}`]) {
        const response = await t.api(path, { apiKey: path.startsWith('/v1/me') ? null : undefined });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.body.instance).toBe(path.split('?')[0]);
        expect(JSON.stringify(response.body)).not.toContain(secret);
      }
    });

    it('answers unknown routes with a problem', async () => {
      const response = await t.api('/v1/nothing-here');
      expect(response.status).toBe(404);
      expect(response.body.type).toBe('urn:hub:problem:not-found');
    });
  });

  it("never shows another tenant's event, not even its existence", async () => {
    const published = await t.api('/v1/events', { body: { type: 'order.created', dedupeKey: 'iso-1', data: order } });
    expect(published.status).toBe(201);
    const other = await t.createTenant('other');
    const peek = await t.api(`/v1/events/${published.body.id}`, { apiKey: other.apiKey });
    expect(peek.status).toBe(404);
    expect((await t.api('/v1/events', { apiKey: other.apiKey })).body.items).toEqual([]);
    // The same dedupe key in another tenant is another event.
    const theirs = await t.api('/v1/events', { apiKey: other.apiKey, body: { type: 'order.created', dedupeKey: 'iso-1', data: order } });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(published.body.id);
  });
});
