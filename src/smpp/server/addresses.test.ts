import { describe, expect, it } from 'vitest';
import { destinationOf, recipientOf, senderOf, smppAddressOf } from './addresses.ts';

describe('recipientOf (destination_addr + TON → recipient)', () => {
  it.each([
    ['33612345678', 1, '+33612345678'], // Kannel, Adobe with Destination TON 1
    ['33612345678', 0, '+33612345678'], // Adobe's default: the digits of the international number, TON 0
    ['+33612345678', 0, '+33612345678'], // Adobe "Send the full phone number"
    ['0033612345678', 0, '+33612345678'],
    ['0612345678', 0, '0612345678'], // national: read in the tenant's region by the sending core
    ['612345678', 2, '612345678'],
    ['06 12 34 56 78', 0, '0612345678'],
    ['36173', 0, '36173'],
    ['', 0, undefined],
    ['12', 0, undefined],
    ['hello', 5, undefined],
  ])('%j TON %i → %j', (address, ton, expected) => {
    expect(recipientOf(address, ton)).toBe(expected);
  });
});

describe('destinationOf (destination_addr + TON, in the tenant\'s region → E.164, or ESME_RINVDSTADR)', () => {
  it.each([
    ['33612345678', 1, 'FR', '+33612345678'],
    ['33612345678', 0, 'FR', '+33612345678'],
    ['+33612345678', 0, 'FR', '+33612345678'],
    ['0033612345678', 0, 'FR', '+33612345678'],
    ['0612345678', 0, 'FR', '+33612345678'],
    ['0612345678', 2, 'FR', '+33612345678'],
    ['612345678', 2, 'FR', '+33612345678'],
    ['612345678', 0, 'FR', '+33612345678'], // no international reading: the national one, without its trunk prefix
    ['0470123456', 0, 'BE', '+32470123456'], // a Belgian tenant's national mobile
    ['0692123456', 0, 'FR', '+262692123456'], // Réunion, typed in France's national format
    ['4915112345678', 0, 'FR', '+4915112345678'],
  ])('%j TON %i in %s → %j', (address, ton, region, expected) => {
    expect(destinationOf(address, ton, region as 'FR')).toEqual({ ok: true, e164: expected });
  });

  it.each([
    ['123', 0],
    ['33612', 0],
    ['33612', 1],
    ['0612', 2],
    ['36173', 0], // a short code cannot receive an SMS from the hub
    ['0612345678', 1], // TON international: +0612345678 is no number
    ['hello', 5],
    ['', 0],
  ])('refuses %j TON %i, naming the address', (address, ton) => {
    const result = destinationOf(address, ton, 'FR');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(`"${address}"`);
  });
});

describe('senderOf (source_addr + TON → sender id)', () => {
  it.each([
    ['', 0, null, ''],
    ['', 0, 'MaBoutique', 'MaBoutique'],
    ['Shop', 5, null, 'Shop'],
    ['36173', 0, null, '36173'],
    ['33612345678', 1, null, '+33612345678'],
    ['33612345678', 0, null, '+33612345678'],
    ['+33612345678', 1, null, '+33612345678'],
  ])('%j TON %i (default %j) → %j', (address, ton, fallback, expected) => {
    expect(senderOf(address, ton, fallback)).toEqual({ ok: true, sender: expected });
  });

  it.each([['Far too long sender', 5], ['12', 0], ['!!!', 5]])('refuses %j', (address, ton) => {
    expect(senderOf(address, ton, null).ok).toBe(false);
  });
});

describe('smppAddressOf (hub address → deliver_sm address)', () => {
  it.each([
    ['+33612345678', { addr: '33612345678', ton: 1, npi: 1 }],
    ['36173', { addr: '36173', ton: 0, npi: 1 }],
    ['MaBoutique', { addr: 'MaBoutique', ton: 5, npi: 0 }],
  ])('%j', (address, expected) => {
    expect(smppAddressOf(address)).toEqual(expected);
  });
});
