import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses a tenant may not make the hub connect to (loopback, private ranges,
 * link-local cloud metadata at 169.254.169.254…), and the spellings of an IP literal that
 * resolvers accept besides the dotted quad. Pure: table-tested in blocked-addresses.test.ts.
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

/** Why an IP address may not be connected to (e.g. "a loopback"), or undefined when it is public. */
export function blockedAddressReason(address: string): string | undefined {
  // A zone (fe80::1%eth0) names the interface, not the address; BlockList does not parse it.
  const bare = address.replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) return 'not an IP';
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  return RULES.find((rule) => rule.list.check(bare, family))?.label;
}

/**
 * The IP address a host string denotes by itself, without DNS, or undefined for a name.
 * Besides `127.0.0.1` and `[::1]`, resolvers (inet_aton, and the WHATWG URL parser modelled on it)
 * read `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` as 127.0.0.1: those are literals too.
 */
export function ipLiteralOf(host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare.replace(/%.*$/, '')) !== 0) return bare;
  let hostname: string;
  try {
    hostname = new URL(`http://${bare}/`).hostname;
  } catch {
    return undefined;
  }
  return isIP(hostname) === 4 ? hostname : undefined;
}
