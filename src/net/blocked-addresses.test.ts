import { describe, expect, it } from 'vitest';
import { blockedAddressReason, ipLiteralOf } from './blocked-addresses.ts';

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'a loopback'],
    ['127.255.0.9', 'a loopback'],
    ['::1', 'a loopback'],
    ['::ffff:127.0.0.1', 'a loopback'],
    ['::ffff:7f00:1', 'a loopback'],
    ['64:ff9b::7f00:1', 'a loopback'],
    ['64:ff9b::127.0.0.1', 'a loopback'],
    ['::127.0.0.1', 'an unspecified or IPv4-compatible'],
    ['fe80::1%eth0', 'a link-local'],
    ['0.0.0.0', 'a "this network"'],
    ['::', 'an unspecified or IPv4-compatible'],
    ['10.1.2.3', 'a private (RFC 1918)'],
    ['172.16.0.1', 'a private (RFC 1918)'],
    ['172.31.255.255', 'a private (RFC 1918)'],
    ['192.168.1.10', 'a private (RFC 1918)'],
    ['::ffff:192.168.1.10', 'a private (RFC 1918)'],
    ['64:ff9b::10.0.0.1', 'a private (RFC 1918)'],
    ['169.254.169.254', 'a cloud metadata'],
    ['fd00:ec2::254', 'a cloud metadata'],
    ['169.254.10.1', 'a link-local'],
    ['fe80::1', 'a link-local'],
    ['fc00::1', 'a unique local (private)'],
    ['100.64.0.1', 'a carrier-grade NAT'],
    ['224.0.0.251', 'a multicast'],
    ['255.255.255.255', 'a reserved'],
    ['not-an-ip', 'not an IP'],
  ])('%s is refused as %s address', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(blockedAddressReason(address)).toBeUndefined();
    },
  );
});

describe('ipLiteralOf', () => {
  // What resolvers (inet_aton, getaddrinfo, the WHATWG URL parser) read as an address without DNS.
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F.0.0.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0.0.0.0', '0.0.0.0'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
    ['[::ffff:7f00:1]', '::ffff:7f00:1'],
    ['64:ff9b::7f00:1', '64:ff9b::7f00:1'],
    ['3232235777', '192.168.1.1'],
    ['0xa9fea9fe', '169.254.169.254'],
  ])('%s is the literal %s', (host, literal) => {
    expect(ipLiteralOf(host)).toBe(literal);
    expect(blockedAddressReason(literal)).toBeDefined();
  });

  it.each(['smtp.example.com', 'localhost', '1.2.3.4.5', 'x.0x7f000001'])('%s is a name, left to DNS (and to the guarded lookup)', (host) => {
    expect(ipLiteralOf(host)).toBeUndefined();
  });
});
