import { describe, expect, it } from 'vitest';
import { backoffDelayMs, type BackoffPolicy } from './backoff.ts';

const low = () => 0;
const high = () => 0.999_999;
const middle = () => 0.5;

describe('backoffDelayMs', () => {
  it.each([
    // base: doubles from baseMs, retry counted from 0
    { policy: { baseMs: 100 }, retry: 0, random: middle, expected: 100 },
    { policy: { baseMs: 100 }, retry: 1, random: middle, expected: 200 },
    { policy: { baseMs: 100 }, retry: 4, random: middle, expected: 1_600 },
    { policy: { baseMs: 100 }, retry: -1, random: middle, expected: 100 },
    { policy: { baseMs: 0 }, retry: 5_000, random: middle, expected: 0 },
    { policy: { baseMs: 500 }, retry: 1, random: middle, expected: 1_000 },
    { policy: { baseMs: 0.5 }, retry: 0, random: middle, expected: 1 },
    // cap: applies before jitter, and to huge retry numbers
    { policy: { baseMs: 1_000, capMs: 60_000 }, retry: 5, random: middle, expected: 32_000 },
    { policy: { baseMs: 1_000, capMs: 60_000 }, retry: 6, random: middle, expected: 60_000 },
    { policy: { baseMs: 1_000, capMs: 60_000 }, retry: 5_000, random: middle, expected: 60_000 },
    // equal jitter: between half the delay and the delay
    { policy: { baseMs: 1_000, jitter: 'equal' }, retry: 2, random: low, expected: 2_000 },
    { policy: { baseMs: 1_000, jitter: 'equal' }, retry: 2, random: middle, expected: 3_000 },
    { policy: { baseMs: 1_000, jitter: 'equal' }, retry: 2, random: high, expected: 4_000 },
    { policy: { baseMs: 1_000, capMs: 3_000, jitter: 'equal' }, retry: 2, random: low, expected: 1_500 },
    { policy: { baseMs: 1_000, capMs: 3_000, jitter: 'equal' }, retry: 2, random: high, expected: 3_000 },
    // full jitter: between 0 and the delay
    { policy: { baseMs: 1_000, jitter: 'full' }, retry: 2, random: low, expected: 0 },
    { policy: { baseMs: 1_000, jitter: 'full' }, retry: 2, random: middle, expected: 2_000 },
    { policy: { baseMs: 1_000, jitter: 'full' }, retry: 2, random: high, expected: 4_000 },
    { policy: { baseMs: 1_000, capMs: 3_000, jitter: 'full' }, retry: 2, random: high, expected: 3_000 },
  ] satisfies { policy: BackoffPolicy; retry: number; random: () => number; expected: number }[])(
    '$policy, retry $retry → $expected ms',
    ({ policy, retry, random, expected }) => {
      expect(backoffDelayMs(policy, retry, random)).toBe(expected);
    },
  );

  it('draws one random number per jittered delay and none without jitter', () => {
    let draws = 0;
    const counting = () => {
      draws++;
      return 0.25;
    };
    backoffDelayMs({ baseMs: 100 }, 3, counting);
    expect(draws).toBe(0);
    expect(backoffDelayMs({ baseMs: 100, jitter: 'equal' }, 3, counting)).toBe(500);
    expect(backoffDelayMs({ baseMs: 100, jitter: 'full' }, 3, counting)).toBe(200);
    expect(draws).toBe(2);
  });

  it('stays within its range with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const equal = backoffDelayMs({ baseMs: 1_000, capMs: 8_000, jitter: 'equal' }, 10);
      expect(equal).toBeGreaterThanOrEqual(4_000);
      expect(equal).toBeLessThanOrEqual(8_000);
      const full = backoffDelayMs({ baseMs: 1_000, capMs: 8_000, jitter: 'full' }, 10);
      expect(full).toBeGreaterThanOrEqual(0);
      expect(full).toBeLessThanOrEqual(8_000);
    }
  });
});
