/**
 * Slow clients are cut off: a request whose body never reaches its Content-Length, or whose headers
 * never end, is closed after the configured timeouts instead of holding its connection (and a slot
 * of the server) for minutes.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/hub.ts';
import { waitFor } from './support/wait.ts';

describe('server timeouts', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub('embedded', { HUB_HEADERS_TIMEOUT_MS: '500', HUB_REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => t?.close());

  const open = async (head: string): Promise<{ socket: Socket; closed: () => boolean; received: () => string }> => {
    const { port } = new URL(t.url);
    const socket = connect(Number(port), '127.0.0.1');
    let closed = false;
    let received = '';
    socket.on('data', (chunk) => (received += String(chunk)));
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(head);
    return { socket, closed: () => closed, received: () => received };
  };

  it('closes connections whose body is shorter than its Content-Length, and those whose headers never end', async () => {
    const lyingBody = `POST /v1/events HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":`;
    const slow = await Promise.all([
      ...Array.from({ length: 40 }, () => open(lyingBody)),
      ...Array.from({ length: 10 }, () => open('GET /v1/me HTTP/1.1\r\nHost: hub\r\nX-Slow: ')),
    ]);
    await waitFor(async () => slow.every((connection) => connection.closed()), 'every slow connection closed', 10_000);
    // Those that got an answer got a problem, not a bare body.
    for (const connection of slow.filter((one) => one.received() !== '')) expect(connection.received()).toMatch(/^HTTP\/1\.1 408 [^]*application\/problem\+json[^]*urn:hub:problem:request-timeout/);
    // The server still answers.
    expect((await t.api('/v1/me')).status).toBe(200);
  });
});
