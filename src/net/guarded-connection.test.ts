import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_SPELLINGS, startTripwireListener, urlHost, type TripwireListener } from '../../test/support/tripwire-listener.ts';
import { connectGuarded, guardedAgent } from './guarded-connection.ts';
import { BLOCKED_TARGET_CODE, BlockedTargetError } from './outbound-guard.ts';

let listener: TripwireListener;
beforeAll(async () => {
  listener = await startTripwireListener();
});
afterAll(async () => {
  await listener?.close();
});

const refuse = { allowPrivateTargets: false };
const allow = { allowPrivateTargets: true };

/** An http(s) request through the guarded agent: its error, or the status when something answered. */
function get(url: string): Promise<Error | number> {
  const protocol = url.startsWith('https:') ? 'https:' : 'http:';
  const send = protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const outgoing = send(url, { agent: guardedAgent(protocol), signal: AbortSignal.timeout(5_000) }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', resolve);
    outgoing.end();
  });
}

describe('without the guard, the spellings reach the local listener (what the guard must stop)', () => {
  it.each(['127.0.0.1', '2130706433', '0x7f000001', '127.1', '0.0.0.0'])('%s connects when private targets are allowed', async (host) => {
    const before = listener.connections;
    const socket = await connectGuarded({ host, port: listener.port }, { policy: allow, timeoutMs: 5_000 });
    socket.destroy();
    await expect.poll(() => listener.connections).toBe(before + 1);
  });

  it('::1 and ::ffff:127.0.0.1 too, on a machine with IPv6', async ({ skip }) => {
    if (!listener.ipv6) skip();
    for (const host of ['::1', '::ffff:127.0.0.1']) {
      (await connectGuarded({ host, port: listener.port }, { policy: allow, timeoutMs: 5_000 })).destroy();
    }
    await expect.poll(() => listener.connections).toBeGreaterThanOrEqual(2);
  });
});

describe('connectGuarded (SMPP, SMTP: raw TCP and TLS)', () => {
  it.each(LOOPBACK_SPELLINGS)('refuses %s before connecting', async (host) => {
    const before = listener.connections;
    const error = await connectGuarded({ host, port: listener.port }, { policy: refuse, timeoutMs: 5_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BlockedTargetError);
    expect((error as Error).message).toMatch(/address; the hub connects only to public addresses .*HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true/);
    expect(listener.connections).toBe(before);
  });

  it('refuses a name that resolves to loopback when connecting (the addresses DNS gives at that moment)', async () => {
    const before = listener.connections;
    for (const tls of [undefined, { servername: 'localhost' }]) {
      await expect(connectGuarded({ host: 'localhost', port: listener.port }, { policy: refuse, timeoutMs: 5_000, tls })).rejects.toThrow(/localhost resolves to .* loopback address/);
    }
    expect(listener.connections).toBe(before);
  });

  it('ends an attempt when asked', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(connectGuarded({ host: '127.0.0.1', port: listener.port }, { policy: allow, timeoutMs: 5_000, signal: abort.signal })).rejects.toThrow(/cancelled/);
  });
});

describe('guardedAgent (connectors, webhooks, Zapier hooks: http and https)', () => {
  it.each(LOOPBACK_SPELLINGS.flatMap((host) => ['http', 'https'].map((scheme) => `${scheme}://${urlHost(host)}:PORT/wp-json/wc/v3/system_status`)))(
    'refuses %s before connecting',
    async (template) => {
      const before = listener.connections;
      const result = await get(template.replace('PORT', String(listener.port)));
      expect(result).toBeInstanceOf(Error);
      expect((result as NodeJS.ErrnoException).code).toBe(BLOCKED_TARGET_CODE);
      expect(listener.connections).toBe(before);
    },
  );

  it('refuses a name that resolves to loopback when connecting', async () => {
    const before = listener.connections;
    for (const scheme of ['http', 'https']) {
      const result = await get(`${scheme}://localhost:${listener.port}/`);
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toMatch(/localhost resolves to .* loopback address/);
    }
    expect(listener.connections).toBe(before);
  });
});
