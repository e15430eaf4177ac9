import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from './post-webhook.ts';

describe('postWebhook', () => {
  let server: Server;
  let base = '';
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        seen.push({ url: request.url ?? '', headers: request.headers, body });
        if (request.url === '/redirect') return response.writeHead(302, { location: '/elsewhere' }).end();
        if (request.url === '/large') return response.writeHead(500).end('x'.repeat(1_000_000));
        if (request.url === '/throttled') return response.writeHead(429, { 'retry-after': '7' }).end();
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const request = { body: '{"a":1}', headers: { 'Content-Type': 'application/json', 'Hub-Event-Id': 'evt_1' } };
  const allow = { timeoutMs: 5_000, allowPrivateTargets: true };

  it('POSTs the body with its headers and a Content-Length', async () => {
    expect(await postWebhook(`${base}/ok`, request, allow)).toEqual({ kind: 'answered', statusCode: 204, retryAfter: undefined, bodyExcerpt: '' });
    expect(seen.at(-1)).toMatchObject({ url: '/ok', body: '{"a":1}', headers: { 'content-type': 'application/json', 'hub-event-id': 'evt_1', 'content-length': '7' } });
  });

  it('does not follow redirects', async () => {
    const count = seen.length;
    expect(await postWebhook(`${base}/redirect`, request, allow)).toMatchObject({ kind: 'answered', statusCode: 302 });
    expect(seen.slice(count).map((one) => one.url)).toEqual(['/redirect']);
  });

  it('keeps a short excerpt of a large body', async () => {
    const result = await postWebhook(`${base}/large`, request, allow);
    expect(result).toMatchObject({ kind: 'answered', statusCode: 500 });
    expect(result.kind === 'answered' && result.bodyExcerpt.length).toBeLessThanOrEqual(400);
  });

  it('passes Retry-After on', async () => {
    expect(await postWebhook(`${base}/throttled`, request, allow)).toMatchObject({ kind: 'answered', statusCode: 429, retryAfter: '7' });
  });

  it('refuses private targets unless allowed, for literals and for names resolved when connecting', async () => {
    const refuse = { timeoutMs: 5_000, allowPrivateTargets: false };
    const count = seen.length;
    expect(await postWebhook(`${base}/ok`, request, refuse)).toEqual({ kind: 'blocked', error: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) });
    expect(await postWebhook(base.replace('127.0.0.1', 'localhost') + '/ok', request, refuse)).toEqual({
      kind: 'blocked',
      error: expect.stringMatching(/localhost resolves to .* loopback address/),
    });
    expect(seen).toHaveLength(count);
  });

  it('reports refused connections and bad URLs', async () => {
    expect(await postWebhook('http://127.0.0.1:9/x', request, allow)).toMatchObject({ kind: 'network', error: expect.stringMatching(/ECONNREFUSED/) });
    expect(await postWebhook('nonsense', request, allow)).toMatchObject({ kind: 'blocked' });
  });
});
