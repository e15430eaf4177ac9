import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { blockedAddressReason } from './blocked-addresses.ts';
import { blockedLiteral, blockedMessage, BlockedTargetError, guardedLookup, type NetworkPolicy } from './outbound-guard.ts';

/**
 * Connecting through the outbound guard. Node connects either to an IP literal (without calling
 * `lookup`) or to the addresses `lookup` returned, so refusing blocked literals in every spelling
 * before connecting and resolving names with `guardedLookup` covers every address a socket can
 * reach; `connectGuarded` also checks the peer's address once connected, before any byte is sent.
 */

export interface GuardedConnectOptions {
  policy: NetworkPolicy;
  /** For the whole attempt: DNS, TCP and the TLS handshake. */
  timeoutMs: number;
  /** Ends the attempt (the caller is closing). */
  signal?: AbortSignal | undefined;
  /** TLS from the first byte; the promise resolves after the handshake. */
  tls?: Omit<tls.ConnectionOptions, 'socket' | 'port' | 'lookup'> | undefined;
}

/** A TCP (or TLS) connection to a tenant-given host and port, resolved once connected and vetted. */
export function connectGuarded(target: { host: string; port: number }, options: GuardedConnectOptions): Promise<net.Socket> {
  const { host, port } = target;
  const guarded = !options.policy.allowPrivateTargets;
  const blocked = guarded ? blockedLiteral(host) : undefined;
  if (blocked) return Promise.reject(blocked);
  if (options.signal?.aborted) return Promise.reject(new Error('connection attempt cancelled'));
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host, port, ...(guarded ? { lookup: guardedLookup } : {}) });
    let socket: net.Socket = raw;
    const fail = (error: Error) => {
      detach();
      socket.destroy();
      raw.destroy();
      reject(error);
    };
    const onError = (error: Error) => fail(error);
    const onClose = () => fail(new Error('connection closed'));
    const onAbort = () => fail(new Error('connection attempt cancelled'));
    const timer = setTimeout(() => fail(new Error(`no connection within ${options.timeoutMs} ms`)), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const watch = (one: net.Socket) => one.on('error', onError).on('close', onClose);
    const detach = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const one of new Set([raw, socket])) one.removeListener('error', onError).removeListener('close', onClose);
    };
    const done = () => {
      detach();
      resolve(socket);
    };
    watch(raw);
    raw.once('connect', () => {
      const reason = guarded ? blockedAddressReason(raw.remoteAddress ?? '') : undefined;
      if (reason !== undefined) return fail(new BlockedTargetError(blockedMessage(host, raw.remoteAddress ?? 'an unknown address', reason, 'resolved')));
      if (options.tls === undefined) return done();
      // `host` is what the certificate is checked against (servername alone is absent for IP literals).
      socket = tls.connect({ host, ...options.tls, socket: raw });
      watch(socket);
      socket.once('secureConnect', done);
    });
  });
}

type AgentCallback = (error: Error | null, stream: Duplex) => void;

/** The literal check before the agent opens a socket; names go through `guardedLookup`. */
function guardedOptions<Options extends { host?: string | null | undefined }>(options: Options, callback: AgentCallback | undefined): Options | undefined {
  const blocked = blockedLiteral(options.host ?? '');
  if (blocked === undefined) return { ...options, lookup: guardedLookup };
  // The agent hands the error to the request ('error' event, on the next tick).
  (callback as ((error: Error) => void) | undefined)?.(blocked);
  return undefined;
}

class GuardedHttpAgent extends http.Agent {
  override createConnection(options: http.ClientRequestArgs, callback?: AgentCallback): Duplex | null | undefined {
    const guarded = guardedOptions(options, callback);
    return guarded && super.createConnection(guarded, callback);
  }
}

class GuardedHttpsAgent extends https.Agent {
  override createConnection(options: https.RequestOptions, callback?: AgentCallback): Duplex | null | undefined {
    const guarded = guardedOptions(options, callback);
    return guarded && super.createConnection(guarded, callback);
  }
}

// Node's global agents' settings: connections are reused between requests to the same host.
const agentOptions = { keepAlive: true, scheduling: 'lifo', timeout: 5_000 } as const;
const agents = { 'http:': new GuardedHttpAgent(agentOptions), 'https:': new GuardedHttpsAgent(agentOptions) };

/** The agent for an http(s) request to a tenant-given URL (node:http `agent`, axios `httpAgent`/`httpsAgent`). */
export function guardedAgent(protocol: 'http:' | 'https:'): http.Agent {
  return agents[protocol];
}
