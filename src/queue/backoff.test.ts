import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it.each([
    { backoff: undefined, attempt: 1, expected: 0 },
    { backoff: null, attempt: 3, expected: 0 },
    { backoff: { type: 'fixed', delayMs: 250 }, attempt: 1, expected: 250 },
    { backoff: { type: 'fixed', delayMs: 250 }, attempt: 4, expected: 250 },
    { backoff: { type: 'exponential', delayMs: 100 }, attempt: 1, expected: 100 },
    { backoff: { type: 'exponential', delayMs: 100 }, attempt: 2, expected: 200 },
    { backoff: { type: 'exponential', delayMs: 100 }, attempt: 5, expected: 1600 },
  ] as const)('$backoff after try $attempt → $expected ms', ({ backoff, attempt, expected }) => {
    expect(backoffDelay(backoff, attempt)).toBe(expected);
  });
});
