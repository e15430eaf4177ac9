import { describe, expect, it } from 'vitest';
import { ipAllowed, parseIpRange } from './account.ts';
import { hashPassword, verifyPassword } from './password.ts';

describe('IP allow-list', () => {
  it.each([
    [[], '198.51.100.7', true],
    [['203.0.113.0/24'], '203.0.113.9', true],
    [['203.0.113.0/24'], '::ffff:203.0.113.9', true],
    [['203.0.113.0/24'], '203.0.114.1', false],
    [['2001:db8::/32'], '2001:db8::1', true],
    [['127.0.0.1'], '127.0.0.1', true],
    [['127.0.0.1'], undefined, false],
  ])('%j allows %j: %s', (ranges, address, allowed) => {
    expect(ipAllowed(ranges, address)).toBe(allowed);
  });

  it.each(['10.0.0.300', '10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::/129'])('refuses %j', (value) => {
    expect(parseIpRange(value)).toBeUndefined();
  });
});

describe('passwords', () => {
  it('verifies with scrypt and refuses a wrong password or an unreadable hash', async () => {
    const hash = await hashPassword('secret12');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('secret12', hash)).toBe(true);
    expect(await verifyPassword('secret13', hash)).toBe(false);
    expect(await verifyPassword('secret12', 'plain')).toBe(false);
  });
});
