import { describe, expect, it } from 'vitest';
import { checkHost, checkTargetUrl } from './outbound-guard.ts';

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
    ['http://0x7f000001:8080/', /127\.0\.0\.1 is a loopback/],
    ['http://127.1:8080/', /127\.0\.0\.1 is a loopback/],
    ['http://0177.0.0.1/', /127\.0\.0\.1 is a loopback/],
    ['http://0/', /0\.0\.0\.0 is a "this network"/],
    ['http://[::ffff:127.0.0.1]:8080/', /::ffff:7f00:1 is a loopback/],
    ['http://[::ffff:7f00:1]/', /::ffff:7f00:1 is a loopback/],
    ['http://[64:ff9b::7f00:1]/', /64:ff9b::7f00:1 is a loopback/],
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

describe('checkHost (a raw host, as provider settings give it)', () => {
  const refuse = { allowPrivateTargets: false, resolve: async () => ['93.184.216.34'] };

  it.each([
    ['127.0.0.1', /The host 127\.0\.0\.1 is a loopback address/],
    ['2130706433', /The host 2130706433 is 127\.0\.0\.1, a loopback address/],
    ['0x7f000001', /The host 0x7f000001 is 127\.0\.0\.1, a loopback address/],
    ['0177.0.0.1', /is 127\.0\.0\.1, a loopback address/],
    ['127.1', /The host 127\.1 is 127\.0\.0\.1, a loopback address/],
    ['0.0.0.0', /"this network"/],
    ['::1', /The host ::1 is a loopback address/],
    ['[::1]', /The host ::1 is a loopback address/],
    ['::ffff:127.0.0.1', /loopback address/],
    ['::ffff:7f00:1', /loopback address/],
    ['64:ff9b::a00:1', /private \(RFC 1918\) address/],
    ['169.254.169.254', /cloud metadata address/],
  ])('refuses %s without asking DNS', async (host, message) => {
    const checked = await checkHost(host, { ...refuse, resolve: async () => expect.unreachable('a literal is not resolved') });
    expect(checked).toEqual({ ok: false, message: expect.stringMatching(message) });
    if (!checked.ok) expect(checked.message).toContain('HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true');
  });

  it('refuses a name that resolves to a private address, and accepts a public one', async () => {
    expect(await checkHost('smsc.example.net', { allowPrivateTargets: false, resolve: async () => ['10.0.0.9'] })).toEqual({
      ok: false,
      message: expect.stringMatching(/The host smsc\.example\.net resolves to 10\.0\.0\.9, a private/),
    });
    expect(await checkHost('smsc.example.net', refuse)).toEqual({ ok: true });
    expect(await checkHost('localhost', { allowPrivateTargets: false })).toMatchObject({ ok: false, message: expect.stringMatching(/localhost resolves to .* loopback address/) });
  });

  it('accepts anything when the operator allows private targets', async () => {
    expect(await checkHost('127.0.0.1', { allowPrivateTargets: true })).toEqual({ ok: true });
  });
});
