import { describe, expect, it } from 'vitest';
import { destinationAddress, hubAddress, sourceAddress } from './smpp-addresses.ts';
import { SmppSettingsSchema } from './smpp-settings.ts';

const { addressing } = SmppSettingsSchema.parse({ host: 'smsc.example', systemId: 'hub' });

describe('sourceAddress', () => {
  it.each([
    ['MaBoutique', { ton: 5, npi: 0, addr: 'MaBoutique' }],
    ['Shop 24', { ton: 5, npi: 0, addr: 'Shop 24' }],
    ['36173', { ton: 3, npi: 0, addr: '36173' }],
    ['+33612345678', { ton: 1, npi: 1, addr: '33612345678' }],
    ['', { ton: 0, npi: 0, addr: '' }],
  ])('%j → %j', (from, expected) => {
    expect(sourceAddress(from, addressing)).toEqual({ ok: true, address: expected });
  });

  it('follows the short code setting of SMSCs that want unknown/ISDN', () => {
    expect(sourceAddress('36173', { ...addressing, shortCode: { ton: 0, npi: 1 } })).toEqual({ ok: true, address: { ton: 0, npi: 1, addr: '36173' } });
  });

  it.each(['123456789012', 'Beaucoup trop long', '+0612'])('refuses %j', (from) => {
    expect(sourceAddress(from, addressing)).toMatchObject({ ok: false, reason: expect.stringContaining(from) });
  });
});

describe('destinationAddress', () => {
  it('sends E.164 as international digits without "+"', () => {
    expect(destinationAddress('+33612345678', addressing)).toEqual({ ok: true, address: { ton: 1, npi: 1, addr: '33612345678' } });
  });

  it.each(['0612345678', '33612345678', '+33 6 12'])('refuses %j', (to) => {
    expect(destinationAddress(to, addressing).ok).toBe(false);
  });
});

describe('hubAddress', () => {
  it.each([
    ['33612345678', 1, '+33612345678'],
    ['0612345678', 2, '0612345678'],
    ['36173', 3, '36173'],
    ['MaBoutique', 5, 'MaBoutique'],
    ['36173', 1, '36173'], // too short to be international, whatever the TON says
  ])('%j with TON %i → %j', (address, ton, expected) => {
    expect(hubAddress(address, ton)).toBe(expected);
  });
});
