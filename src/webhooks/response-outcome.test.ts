import { describe, expect, it } from 'vitest';
import { outcomeOf, type PostResult } from './response-outcome.ts';

const rules = { refusedAttempts: 3, maxRetryAfterMs: 60_000 };
const answered = (statusCode: number, extra: Partial<Extract<PostResult, { kind: 'answered' }>> = {}): PostResult => ({
  kind: 'answered',
  statusCode,
  retryAfter: undefined,
  bodyExcerpt: '',
  ...extra,
});

describe('outcomeOf', () => {
  it.each<[string, PostResult, number, object]>([
    ['200', answered(200), 1, { kind: 'delivered', statusCode: 200 }],
    ['204', answered(204), 5, { kind: 'delivered', statusCode: 204 }],
    ['410 Gone', answered(410), 1, { kind: 'gone', statusCode: 410, error: 'HTTP 410' }],
    ['500 with a body excerpt', answered(500, { bodyExcerpt: 'Internal\n  error' }), 1, { kind: 'retry', statusCode: 500, error: 'HTTP 500: Internal error' }],
    ['503 at the 11th try', answered(503), 11, { kind: 'retry', statusCode: 503 }],
    ['408', answered(408), 1, { kind: 'retry', statusCode: 408 }],
    ['429 without Retry-After', answered(429), 1, { kind: 'retry', statusCode: 429 }],
    ['429 Retry-After: 1', answered(429, { retryAfter: '1' }), 1, { kind: 'retry', statusCode: 429, retryAfterMs: 1000 }],
    ['429 Retry-After beyond the cap', answered(429, { retryAfter: '86400' }), 1, { kind: 'retry', retryAfterMs: 60_000 }],
    ['400 on the first try', answered(400), 1, { kind: 'retry', statusCode: 400 }],
    ['400 on the third try', answered(400), 3, { kind: 'give-up', statusCode: 400 }],
    ['404 on the third try', answered(404), 3, { kind: 'give-up', statusCode: 404 }],
    ['301 redirect', answered(301), 3, { kind: 'give-up', statusCode: 301, error: expect.stringMatching(/redirects are not followed/) }],
    ['a timeout', { kind: 'timeout', timeoutMs: 10_000 }, 1, { kind: 'retry', error: 'no answer within 10000 ms' }],
    ['a refused connection', { kind: 'network', error: 'connect ECONNREFUSED 1.2.3.4:443' }, 1, { kind: 'retry', error: 'connect ECONNREFUSED 1.2.3.4:443' }],
    ['a blocked address, first try', { kind: 'blocked', error: 'private' }, 1, { kind: 'retry', error: 'private' }],
    ['a blocked address, third try', { kind: 'blocked', error: 'private' }, 3, { kind: 'give-up', error: 'private' }],
  ])('%s', (_name, result, attempt, expected) => {
    expect(outcomeOf(result, attempt, rules)).toEqual(expect.objectContaining(expected));
  });

  it('keeps only a short excerpt of a response body', () => {
    const outcome = outcomeOf(answered(500, { bodyExcerpt: 'x'.repeat(5000) }), 1, rules);
    expect(outcome.kind === 'retry' && outcome.error.length).toBeLessThanOrEqual(220);
  });
});
