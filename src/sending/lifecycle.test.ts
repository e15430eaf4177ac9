import { describe, expect, it } from 'vitest';
import { aggregateParts, nextPartState, partStateOf, type PartState } from './lifecycle.ts';
import type { ReceiptStatus } from './providers/provider.ts';

describe('receipts → message status', () => {
  it.each([
    ['delivered', 'delivered'],
    ['undelivered', 'undelivered'],
    ['deleted', 'undelivered'],
    ['expired', 'expired'],
    ['rejected', 'rejected'],
    ['accepted', 'pending'],
    ['enroute', 'pending'],
    ['unknown', 'pending'],
  ] as [ReceiptStatus, PartState][])('a %s receipt makes the part %s', (receipt, part) => {
    expect(partStateOf(receipt)).toBe(part);
  });

  it.each([
    [[], undefined],
    [['pending'], undefined],
    [['delivered'], 'delivered'],
    [['delivered', 'delivered', 'delivered'], 'delivered'],
    [['delivered', 'pending'], undefined],
    [['delivered', 'undelivered'], 'undelivered'],
    [['pending', 'expired'], 'expired'],
    [['rejected', 'undelivered'], 'rejected'],
  ] as [PartState[], string | undefined][])('parts %j → %s', (parts, status) => {
    expect(aggregateParts(parts)).toBe(status);
  });

  it('keeps a part final once it is: a late success does not undo a failure', () => {
    expect(nextPartState('undelivered', 'delivered')).toBe('undelivered');
    expect(nextPartState('delivered', 'expired')).toBe('delivered');
    expect(nextPartState('pending', 'delivered')).toBe('delivered');
    expect(nextPartState('pending', 'pending')).toBe('pending');
  });
});
