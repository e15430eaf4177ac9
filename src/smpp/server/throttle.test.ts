import { describe, expect, it } from 'vitest';
import { BindGuard } from './bind-guard.ts';
import { TokenBucket } from './throttle.ts';

describe('TokenBucket', () => {
  it('allows the rate, refuses beyond it, refills with time, and never stores more than one second', () => {
    const bucket = new TokenBucket(5, 0);
    expect(Array.from({ length: 7 }, () => bucket.take(0))).toEqual([true, true, true, true, true, false, false]);
    expect(bucket.take(199)).toBe(false);
    expect(bucket.take(200)).toBe(true);
    expect(Array.from({ length: 7 }, () => bucket.take(60_000)).filter(Boolean)).toHaveLength(5);
  });
});

describe('BindGuard', () => {
  it('locks an address after repeated failures for the window, and a success clears the count', () => {
    const guard = new BindGuard({ maxFailures: 3, windowMs: 1_000 });
    for (let i = 0; i < 2; i++) guard.recordFailure('10.0.0.1', 0);
    guard.recordSuccess('10.0.0.1');
    for (let i = 0; i < 3; i++) guard.recordFailure('10.0.0.1', 10);
    expect(guard.isLocked('10.0.0.1', 500)).toBe(true);
    expect(guard.isLocked('10.0.0.2', 500)).toBe(false);
    expect(guard.isLocked('10.0.0.1', 1_011)).toBe(false);
  });
});
