import { describe, expect, it } from 'vitest';
import { blockedAddressReason, checkTargetUrl } from './target-guard.ts';

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'a loopback'],
    ['127.255.0.9', 'a loopback'],
    ['::1', 'a loopback'],
    ['::ffff:127.0.0.1', 'a loopback'],
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

describe('checkTargetUrl', () => {
  const refuse = { allowPrivateTargets: false };

  it.each([
    ['http://127.0.0.1:8080/hook', /127\.0\.0\.1 is a loopback address/],
    ['http://[::1]/hook', /::1 is a loopback address/],
    ['https://10.0.0.5/hook', /private/],
    ['https://172.16.3.4/hook', /private/],
    ['https://192.168.0.1/hook', /private/],
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback/],
    ['http://localhost:3000/hook', /localhost resolves to .*loopback address/],
  ])('refuses %s', async (url, message) => {
    const checked = await checkTargetUrl(url, refuse);
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.message).toMatch(message);
      expect(checked.message).toContain('HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS');
    }
  });

  it('allows a public IP literal', async () => {
    expect((await checkTargetUrl('https://93.184.216.34/hook', refuse)).ok).toBe(true);
  });

  it('checks every address a name resolves to', async () => {
    const resolve = async () => ['93.184.216.34', '10.0.0.7'];
    expect(await checkTargetUrl('https://hooks.example.com/x', { allowPrivateTargets: false, resolve })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/hooks\.example\.com resolves to 10\.0\.0\.7, a private/),
    });
    expect((await checkTargetUrl('https://hooks.example.com/x', { allowPrivateTargets: false, resolve: async () => ['93.184.216.34'] })).ok).toBe(true);
  });

  it('says so when the host does not resolve', async () => {
    const resolve = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect(await checkTargetUrl('https://nowhere.invalid/x', { allowPrivateTargets: false, resolve })).toMatchObject({ ok: false, message: expect.stringMatching(/does not resolve \(DNS: ENOTFOUND\)/) });
  });

  it('allows private targets when the operator says so, but never other schemes or credentials', async () => {
    const allow = { allowPrivateTargets: true };
    expect((await checkTargetUrl('http://127.0.0.1:8080/hook', allow)).ok).toBe(true);
    expect(await checkTargetUrl('ftp://example.com/x', allow)).toMatchObject({ ok: false, message: expect.stringMatching(/https:\/\/ or http:\/\//) });
    expect(await checkTargetUrl('https://user:pw@example.com/x', allow)).toMatchObject({ ok: false, message: expect.stringMatching(/no user name or password/) });
    expect(await checkTargetUrl('not a url', allow)).toMatchObject({ ok: false, message: expect.stringMatching(/absolute URL/) });
  });
});
