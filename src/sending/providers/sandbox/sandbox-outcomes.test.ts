import { describe, expect, it } from 'vitest';
import { magicOutcome, SandboxSettingsSchema, sandboxOutcome } from './sandbox-outcomes.ts';

describe('sandbox outcomes', () => {
  it.each([
    ['+33600000000', 'delivered'],
    ['+33600000001', 'undelivered'],
    ['+33612000002', 'expired'],
    ['+33600000003', 'rejected'],
    ['+33600000004', 'throttled'],
    ['+33600000005', 'silent'],
    ['+33600000006', 'partial'],
    ['+33600000007', undefined],
    ['+33612345678', undefined],
    ['undelivered@example.fr', 'undelivered'],
    ['Expired+promo@example.fr', 'expired'],
    ['camille@example.fr', undefined],
  ])('%s → %s', (to, outcome) => {
    expect(magicOutcome(to)).toBe(outcome);
  });

  it('applies explicit rules first, then magic numbers, then weights', () => {
    const settings = SandboxSettingsSchema.parse({ rules: [{ to: '+33600000001', outcome: 'delivered' }], outcomes: { delivered: 0.9, undelivered: 0.1 } });
    expect(sandboxOutcome(settings, '+33600000001', 0.99)).toBe('delivered');
    expect(sandboxOutcome(settings, '+33600000002', 0.0)).toBe('expired');
    expect(sandboxOutcome(settings, '+33612345678', 0.5)).toBe('delivered');
    expect(sandboxOutcome(settings, '+33612345678', 0.95)).toBe('undelivered');
    expect(sandboxOutcome(SandboxSettingsSchema.parse({}), '+33612345678', 0.99)).toBe('delivered');
  });

  it('refuses weights that are all zero', () => {
    expect(SandboxSettingsSchema.safeParse({ outcomes: { delivered: 0 } }).success).toBe(false);
  });
});
