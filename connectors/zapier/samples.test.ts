import { describe, expect, it } from 'vitest';
import { PublicEventSchema } from '../../src/bus/trigger-event.ts';
import { catalogSample, newestFirst } from './samples.ts';

describe('catalogSample', () => {
  it.each(['sms.received', 'message.delivered', 'message.failed', 'contact.created', 'contact.unsubscribed', 'order.created'])('%s has the delivery shape and the catalog data', (type) => {
    const sample = catalogSample(type);
    expect(PublicEventSchema.parse(sample)).toEqual(sample);
    expect(sample.type).toBe(type);
    expect(Object.keys(sample.data).length).toBeGreaterThan(0);
  });

  it('gives a custom type an empty data object', () => {
    expect(catalogSample('custom.thing').data).toEqual({});
  });
});

describe('newestFirst', () => {
  it('merges lists by seq, newest first, and keeps the count', () => {
    expect(newestFirst([[{ seq: 9 }, { seq: 4 }], [{ seq: 7 }, { seq: 1 }]], 3)).toEqual([{ seq: 9 }, { seq: 7 }, { seq: 4 }]);
  });
});
