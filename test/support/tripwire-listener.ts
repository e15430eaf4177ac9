import { createServer, type Server, type Socket } from 'node:net';

/**
 * A local TCP listener that must not be reached: SSRF tests point the hub at it in every spelling
 * of a loopback address and assert it saw no connection (so not one byte). Listens on `::` when the
 * machine has IPv6, which also accepts 127.0.0.1 (IPv4-mapped), else on 127.0.0.1.
 */
export interface TripwireListener {
  port: number;
  /** Whether ::1 reaches it (false on a machine without IPv6). */
  ipv6: boolean;
  connections: number;
  close(): Promise<void>;
}

export async function startTripwireListener(): Promise<TripwireListener> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.destroy();
  });
  const listen = (host: string, options: { ipv6Only?: boolean } = {}) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: 0, ...options }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  let ipv6 = true;
  try {
    await listen('::', { ipv6Only: false });
  } catch {
    ipv6 = false;
    await listen('127.0.0.1');
  }
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tripwire listener has no port');
  return {
    port: address.port,
    ipv6,
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Spellings of "this machine" a tenant could give as a host (IPv6 without brackets): each must be refused. */
export const LOOPBACK_SPELLINGS = [
  '127.0.0.1',
  '2130706433', // decimal
  '0x7f000001', // hex
  '0177.0.0.1', // octal
  '127.1', // short
  '0.0.0.0', // "this host" (Linux connects it to loopback)
  '::1',
  '::ffff:127.0.0.1', // IPv4-mapped
  '::ffff:7f00:1', // IPv4-mapped, hex
  '64:ff9b::7f00:1', // NAT64
] as const;

/** The host as a URL's authority writes it: IPv6 literals in brackets. */
export const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);
