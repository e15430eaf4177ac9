import { describe, expect, it } from 'vitest';
import { costOf, RateLimitSchema, reserve, staggeredAt } from './throughput.ts';

describe('token bucket (GCRA)', () => {
  const run = (limit: ReturnType<typeof RateLimitSchema.parse>, arrivals: number[], cost = 1) => {
    let tat: number | undefined;
    return arrivals.map((now) => {
      const reservation = reserve(limit, tat, now, cost);
      tat = reservation.tat;
      return reservation.at;
    });
  };

  it('spaces messages at the rate: 5 per second → one every 200 ms', () => {
    expect(run(RateLimitSchema.parse({ perSecond: 5 }), [0, 0, 0, 0, 0, 0])).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it('lets a burst leave at once, then holds the rate', () => {
    expect(run(RateLimitSchema.parse({ perSecond: 10, burst: 3 }), [0, 0, 0, 0, 0])).toEqual([0, 0, 0, 100, 200]);
  });

  it('does not bank unused time beyond the burst', () => {
    const limit = RateLimitSchema.parse({ perSecond: 1 });
    expect(run(limit, [0, 10_000, 10_000])).toEqual([0, 10_000, 11_000]);
  });

  it('counts segments when the unit is segments', () => {
    const limit = RateLimitSchema.parse({ perSecond: 2, unit: 'segments' });
    expect(costOf(limit, 3)).toBe(3);
    expect(costOf(RateLimitSchema.parse({ perSecond: 2 }), 3)).toBe(1);
    expect(run(limit, [0, 0, 0], 3)).toEqual([0, 1500, 3000]);
  });

  it('never answers an instant before now, and keeps N units within any window of N / rate', () => {
    const limit = RateLimitSchema.parse({ perSecond: 50, burst: 5 });
    const arrivals = Array.from({ length: 500 }, (_, index) => Math.floor(index * 7.3));
    const slots = run(limit, arrivals);
    slots.forEach((slot, index) => expect(slot).toBeGreaterThanOrEqual(arrivals[index]!));
    // In any 1-second window, at most perSecond + burst units.
    for (const start of slots) expect(slots.filter((slot) => slot >= start && slot < start + 1000).length).toBeLessThanOrEqual(55);
  });
});

describe('staggering', () => {
  const start = new Date('2027-03-02T09:00:00Z');
  it('spreads a batch evenly over the window', () => {
    const times = [0, 1, 2, 3].map((index) => staggeredAt(start, index, 4, { overMinutes: 60 }).toISOString());
    expect(times).toEqual(['2027-03-02T09:00:00.000Z', '2027-03-02T09:15:00.000Z', '2027-03-02T09:30:00.000Z', '2027-03-02T09:45:00.000Z']);
  });
  it('sends everything at the start without staggering, or for one message', () => {
    expect(staggeredAt(start, 5, 10, undefined)).toEqual(start);
    expect(staggeredAt(start, 0, 1, { overMinutes: 30 })).toEqual(start);
  });
});
