import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The SSRF guard of outbound webhooks: a tenant must not make the hub POST to its own network
 * (loopback, private ranges, link-local cloud metadata at 169.254.169.254…). Checked when a URL is
 * subscribed and again on every connection, because DNS can change between the two ("DNS
 * rebinding"): `guardedLookup` vets the very addresses the socket connects to.
 */

type Family = 'ipv4' | 'ipv6';
/** Most specific first, so the message names the metadata service rather than "link-local". */
const RANGES: readonly [label: string, network: string, prefix: number, family: Family][] = [
  ['a cloud metadata', '169.254.169.254', 32, 'ipv4'],
  ['a cloud metadata', '100.100.100.200', 32, 'ipv4'],
  ['a cloud metadata', 'fd00:ec2::254', 128, 'ipv6'],
  ['a "this network"', '0.0.0.0', 8, 'ipv4'],
  ['a private (RFC 1918)', '10.0.0.0', 8, 'ipv4'],
  ['a carrier-grade NAT', '100.64.0.0', 10, 'ipv4'],
  ['a loopback', '127.0.0.0', 8, 'ipv4'],
  ['a link-local', '169.254.0.0', 16, 'ipv4'],
  ['a private (RFC 1918)', '172.16.0.0', 12, 'ipv4'],
  ['an IETF protocol', '192.0.0.0', 24, 'ipv4'],
  ['a documentation', '192.0.2.0', 24, 'ipv4'],
  ['a private (RFC 1918)', '192.168.0.0', 16, 'ipv4'],
  ['a benchmarking', '198.18.0.0', 15, 'ipv4'],
  ['a documentation', '198.51.100.0', 24, 'ipv4'],
  ['a documentation', '203.0.113.0', 24, 'ipv4'],
  ['a multicast', '224.0.0.0', 4, 'ipv4'],
  ['a reserved', '240.0.0.0', 4, 'ipv4'],
  ['a loopback', '::1', 128, 'ipv6'],
  // Also the unspecified address and the deprecated IPv4-compatible ::a.b.c.d forms.
  ['an unspecified or IPv4-compatible', '::', 96, 'ipv6'],
  ['a local-use NAT64', '64:ff9b:1::', 48, 'ipv6'],
  ['a discard-only', '100::', 64, 'ipv6'],
  ['a documentation', '2001:db8::', 32, 'ipv6'],
  ['a unique local (private)', 'fc00::', 7, 'ipv6'],
  ['a link-local', 'fe80::', 10, 'ipv6'],
  ['a site-local', 'fec0::', 10, 'ipv6'],
  ['a multicast', 'ff00::', 8, 'ipv6'],
];

function blockList(network: string, prefix: number, family: Family): BlockList {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  // IPv4-mapped ::ffff:a.b.c.d is matched by BlockList itself; NAT64 64:ff9b::a.b.c.d is not.
  if (family === 'ipv4') list.addSubnet(`64:ff9b::${network}`, 96 + prefix, 'ipv6');
  return list;
}

const RULES = RANGES.map(([label, network, prefix, family]) => ({ label, list: blockList(network, prefix, family) }));

/** Why an IP address may not be a webhook target (e.g. "a loopback"), or undefined when it is public. */
export function blockedAddressReason(address: string): string | undefined {
  const version = isIP(address);
  if (version === 0) return 'not an IP';
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  return RULES.find((rule) => rule.list.check(address, family))?.label;
}

/** Thrown through the socket's lookup when a host resolves to a refused address. */
export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError';
  readonly code = 'ERR_WEBHOOK_TARGET_BLOCKED';
}

const OPERATOR_HINT = 'webhooks may only target public addresses (the operator of a self-hosted hub can allow private ones with HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true)';

export function blockedMessage(host: string, address: string, reason: string): string {
  return host === address
    ? `The host ${host} is ${reason} address; ${OPERATOR_HINT}.`
    : `The host ${host} resolves to ${address}, ${reason} address; ${OPERATOR_HINT}.`;
}

/** The URL's host without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export type TargetCheck = { ok: true; url: URL } | { ok: false; message: string };

export interface TargetCheckOptions {
  allowPrivateTargets: boolean;
  /** Resolves every address of a host (tests inject one). */
  resolve?: (host: string) => Promise<string[]>;
}

const resolveAll = async (host: string) => (await dnsLookupAsync(host, { all: true, verbatim: true })).map((entry) => entry.address);

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

/** Subscribe-time check of a webhook URL: its syntax and, unless private targets are allowed, a public host. */
export async function checkTargetUrl(raw: string, options: TargetCheckOptions): Promise<TargetCheck> {
  const parsed = parseTargetUrl(raw);
  if (!parsed.ok || options.allowPrivateTargets) return parsed;
  const { url } = parsed;
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await (options.resolve ?? resolveAll)(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return { ok: false, message: `The host ${host} does not resolve (DNS: ${code}); check the URL.` };
    }
  }
  for (const address of addresses) {
    const reason = blockedAddressReason(address);
    if (reason !== undefined) return { ok: false, message: blockedMessage(host, address, reason) };
  }
  return { ok: true, url };
}

/**
 * A `lookup` for `http.request` that refuses hosts resolving to any blocked address: the check
 * happens on the addresses the socket then connects to, so a DNS answer that changed since the
 * subscription (or changes between two lookups) cannot reach the private network.
 */
export const guardedLookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
  dnsLookup(hostname, options, (error, address: string | LookupAddress[], family?: number) => {
    if (error) return callback(error, address, family);
    const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
    for (const one of addresses) {
      const reason = blockedAddressReason(one);
      if (reason !== undefined) return callback(new BlockedTargetError(blockedMessage(hostname, one, reason)), address, family);
    }
    callback(null, address, family);
  });
};
