/**
 * Every operation of the OpenAPI document, fed malformed input on a live hub, on both stores: NUL in
 * strings, path and query parameters; lone surrogates; JSON nested 3,000 levels deep; huge strings;
 * ids that do not exist or cannot be decoded; bad query values; malformed JSON; wrong content types.
 * Not one answer may be a 5xx, and every 4xx must be problem+json with a request id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestHubMode } from './support/hub.ts';

type JsonSchema = { $ref?: string; type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: unknown[]; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[] };
type Operation = { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } };
type OpenApi = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, JsonSchema> } };

interface Probe {
  what: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

const NUL = 'a\u0000b';
/** Path and query values: encoded NUL, an encoded lone surrogate (invalid UTF-8), bytes that are not UTF-8, a huge one, a plausible miss. */
const BAD_SEGMENTS = ['a%00b', '%ED%A0%80', '%FF%FE', 'x'.repeat(1000), 'no_such_id'];
const BAD_QUERY_VALUES = ['a%00b', '%ED%A0%80', '-1', 'zzz', 'x'.repeat(3000)];

/** A body shaped like the operation's schema whose every string is `text` (so the probe reaches deep fields). */
function sampleOf(schema: JsonSchema | undefined, doc: OpenApi, text: string, depth = 0): unknown {
  if (!schema || depth > 6) return text;
  if (schema.$ref) return sampleOf(doc.components?.schemas?.[schema.$ref.split('/').pop()!], doc, text, depth + 1);
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0] ?? schema.allOf?.[0];
  if (choice) return sampleOf(choice, doc, text, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties ?? { field: {} }).map(([name, property]) => [name, sampleOf(property, doc, text, depth + 1)]));
  }
  if (type === 'array') return [sampleOf(schema.items, doc, text, depth + 1)];
  if (type === 'number' || type === 'integer') return 1;
  if (type === 'boolean') return true;
  return text;
}

function probesOf(doc: OpenApi): Probe[] {
  const probes: Probe[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const verb = method.toUpperCase();
      const withIds = (segment: string) => template.replace(/\{[^}]+\}/g, segment);
      const hasParams = template.includes('{');
      if (hasParams) for (const segment of BAD_SEGMENTS) probes.push({ what: `path ${segment.slice(0, 12)}`, method: verb, path: withIds(segment) });
      const base = withIds('no_such_id');
      const queryNames = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
      if (queryNames.length > 0) {
        for (const value of BAD_QUERY_VALUES) probes.push({ what: `query ${value.slice(0, 12)}`, method: verb, path: `${base}?${queryNames.map((name) => `${name}=${value}`).join('&')}` });
      }
      const json = operation.requestBody?.content?.['application/json'];
      if (json || verb === 'POST' || verb === 'PUT' || verb === 'PATCH') {
        const shaped = (text: string) => JSON.stringify(sampleOf(json?.schema, doc, text));
        probes.push(
          { what: 'NUL in every string', method: verb, path: base, body: shaped(NUL) },
          { what: 'lone surrogate in every string', method: verb, path: base, body: shaped('x\ud800y') },
          { what: 'huge strings', method: verb, path: base, body: shaped('x'.repeat(200_000)) },
          { what: 'nested 3,000 levels', method: verb, path: base, body: `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}` },
          { what: 'malformed JSON', method: verb, path: base, body: '{"a":' },
          { what: 'a JSON array', method: verb, path: base, body: '[1,2,3]' },
          { what: 'text/plain', method: verb, path: base, body: shaped('plain'), contentType: 'text/plain' },
          { what: 'form body', method: verb, path: base, body: 'a=b', contentType: 'application/x-www-form-urlencoded' },
        );
      }
    }
  }
  return probes;
}

describe.each(['embedded', 'postgres'] as TestHubMode[])('api probe (%s)', (mode) => {
  let t: TestHub;
  let doc: OpenApi;
  beforeAll(async () => {
    // No rate limit here: the probe sends a few thousand requests from one address with one key.
    t = await startTestHub(mode, { HUB_RATE_LIMIT_PER_KEY: '0' });
    doc = (await t.api('/docs/json', { apiKey: null })).body as OpenApi;
  });
  afterAll(async () => t?.close());

  it('answers malformed input to every operation with a 4xx problem+json carrying a request id, never a 5xx', async () => {
    const probes = probesOf(doc);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
    const failures: string[] = [];
    const send = async (probe: Probe) => {
      const headers: Record<string, string> = { authorization: `Bearer ${t.apiKey}` };
      if (probe.body !== undefined) headers['content-type'] = probe.contentType ?? 'application/json';
      const response = await fetch(t.url + probe.path, { method: probe.method, headers, body: probe.body });
      // A stream (GET /v1/events/stream) accepted with odd but valid filters is a correct answer that never ends.
      if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
        await response.body?.cancel();
        return;
      }
      const text = await response.text();
      const where = `${probe.method} ${probe.path.slice(0, 80)} (${probe.what}) → ${response.status}`;
      if (response.status >= 500) failures.push(`${where}: ${text.slice(0, 200)}`);
      else if (response.status >= 400) {
        if (!response.headers.get('content-type')?.startsWith('application/problem+json')) failures.push(`${where}: content-type ${response.headers.get('content-type')}`);
        if (!response.headers.get('x-request-id')) failures.push(`${where}: no x-request-id`);
      }
    };
    // A few at a time: enough to finish quickly on 2 cores, few enough not to measure the store's queueing.
    for (let next = 0; next < probes.length; next += 8) await Promise.all(probes.slice(next, next + 8).map(send));
    expect(failures).toEqual([]);
    expect(probes.length).toBeGreaterThan(300);
  }, 120_000);
});
