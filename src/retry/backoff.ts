/**
 * The one exponential backoff of the hub: the job queue, bus deliveries, provider submits, the SMPP
 * server's outbox, the upstream SMPP bind and its throttle pause all wait by it, each with its own
 * base, cap and jitter.
 */

/**
 * `none`: the delay itself, a timetable both queues and tests can predict. `equal`: half fixed,
 * half random (between delay/2 and delay), so retries of many failures spread out but never come
 * sooner than half the delay. `full`: anywhere between 0 and the delay (AWS's "full jitter", the
 * widest spread, for callers that need no floor).
 */
export type Jitter = 'none' | 'equal' | 'full';

export interface BackoffPolicy {
  /** The delay of the first retry; each later retry doubles it. */
  baseMs: number;
  /** No delay is longer than this (applied before jitter). Without it the delay keeps doubling. */
  capMs?: number;
  jitter?: Jitter;
}

/** 2 ** 1024 is Infinity, and a base of 0 times Infinity is NaN: beyond this the cap (or Infinity) applies anyway. */
const MAX_DOUBLINGS = 1023;

/**
 * Milliseconds (whole) to wait before retry number `retry`, counted from 0: `baseMs · 2^retry`,
 * capped at `capMs`, then jittered. `random` is injectable for tests (values in [0, 1)).
 */
export function backoffDelayMs(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  const doublings = Math.min(MAX_DOUBLINGS, Math.max(0, retry));
  const delay = Math.min(policy.capMs ?? Infinity, policy.baseMs * 2 ** doublings);
  switch (policy.jitter ?? 'none') {
    case 'none':
      return Math.round(delay);
    case 'equal':
      return Math.round(delay / 2 + (random() * delay) / 2);
    case 'full':
      return Math.round(random() * delay);
  }
}
