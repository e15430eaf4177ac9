import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { blockedAddressReason, ipLiteralOf } from './blocked-addresses.ts';

/**
 * The SSRF guard of every outbound connection the hub makes for a tenant (connector hosts, the
 * SMPP and SMTP upstreams, webhooks, Zapier hooks): a tenant must not make the hub connect to its
 * own network. Checked when a host is configured (`checkHost`, `checkTargetUrl`) and again on every
 * connection (`guarded-connection.ts`), because DNS can change between the two ("DNS rebinding"):
 * a literal is checked before connecting, a name through `guardedLookup`, which vets the very
 * addresses the socket then connects to.
 */

/** Whether tenants may point the hub at private addresses: HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS, for self-hosted hubs. */
export interface NetworkPolicy {
  allowPrivateTargets: boolean;
}

export const BLOCKED_TARGET_CODE = 'ERR_OUTBOUND_TARGET_BLOCKED';

/** A connection refused by the guard (thrown before connecting, or through the socket's lookup). */
export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError';
  readonly code = BLOCKED_TARGET_CODE;
}

const OPERATOR_HINT = 'the hub connects only to public addresses for an account (the operator of a self-hosted hub can allow private ones with HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true)';

export function blockedMessage(host: string, address: string, reason: string, how: 'literal' | 'resolved'): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === address) return `The host ${bare} is ${reason} address; ${OPERATOR_HINT}.`;
  if (how === 'literal') return `The host ${bare} is ${address}, ${reason} address; ${OPERATOR_HINT}.`;
  return `The host ${bare} resolves to ${address}, ${reason} address; ${OPERATOR_HINT}.`;
}

/** Before connecting to a host: the guard's refusal when it is a blocked IP literal in any spelling. */
export function blockedLiteral(host: string): BlockedTargetError | undefined {
  const literal = ipLiteralOf(host);
  const reason = literal === undefined ? undefined : blockedAddressReason(literal);
  return reason === undefined ? undefined : new BlockedTargetError(blockedMessage(host, literal!, reason, 'literal'));
}

/** The URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export type HostCheck = { ok: true } | { ok: false; message: string };

export interface HostCheckOptions extends NetworkPolicy {
  /** Resolves every address of a host (tests inject one). */
  resolve?: (host: string) => Promise<string[]>;
}

const resolveAll = async (host: string) => (await dnsLookupAsync(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** Configuration-time check of a host (a literal in any spelling, or every address a name resolves to). */
export async function checkHost(host: string, options: HostCheckOptions): Promise<HostCheck> {
  if (options.allowPrivateTargets) return { ok: true };
  const literal = ipLiteralOf(host);
  let addresses: string[];
  if (literal !== undefined) {
    addresses = [literal];
  } else {
    try {
      addresses = await (options.resolve ?? resolveAll)(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return { ok: false, message: `The host ${host} does not resolve (DNS: ${code}); check the address.` };
    }
  }
  for (const address of addresses) {
    const reason = blockedAddressReason(address);
    if (reason !== undefined) return { ok: false, message: blockedMessage(host, address, reason, literal === undefined ? 'resolved' : 'literal') };
  }
  return { ok: true };
}

export type TargetCheck = { ok: true; url: URL } | { ok: false; message: string };

/** The URL's syntax: absolute, http(s), no credentials. Synchronous, for the request schema. */
export function parseTargetUrl(raw: string): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'expected an absolute URL such as https://example.com/hooks/hub' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, message: `expected an https:// or http:// URL, got ${url.protocol}//` };
  // Credentials in the URL would be shown in every listing; receivers authenticate requests with Hub-Signature.
  if (url.username !== '' || url.password !== '') return { ok: false, message: 'put no user name or password in the URL; verify the Hub-Signature header instead' };
  return { ok: true, url };
}

/** Subscribe-time check of a target URL: its syntax and, unless private targets are allowed, a public host. */
export async function checkTargetUrl(raw: string, options: HostCheckOptions): Promise<TargetCheck> {
  const parsed = parseTargetUrl(raw);
  if (!parsed.ok) return parsed;
  const checked = await checkHost(hostOf(parsed.url), options);
  return checked.ok ? parsed : checked;
}

/**
 * A socket `lookup` that refuses hosts resolving to any blocked address: the check happens on the
 * addresses the socket then connects to, so a DNS answer that changed since the host was
 * configured (or changes between two lookups) cannot reach the private network. Node skips
 * `lookup` for IP literals: `blockedLiteral` covers those before connecting.
 */
export const guardedLookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
  dnsLookup(hostname, options, (error, address: string | LookupAddress[], family?: number) => {
    if (error) return callback(error, address, family);
    const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
    for (const one of addresses) {
      const reason = blockedAddressReason(one);
      if (reason !== undefined) return callback(new BlockedTargetError(blockedMessage(hostname, one, reason, 'resolved')), address, family);
    }
    callback(null, address, family);
  });
};
