import { describe, expect, it } from 'vitest';
import { fromBullJobId, toBullJobId, toBullQueueName } from './bull-names.ts';

describe('BullMQ job ids', () => {
  it.each([
    { id: 'job_abc123', bull: 'job_abc123' },
    { id: 'evt_1:send', bull: 'evt_1%3Asend' },
    { id: 'a:b:c', bull: 'a%3Ab%3Ac' },
    { id: '42', bull: '%342' },
    { id: '-7', bull: '%2D7' },
    { id: '007', bull: '007' },
    { id: '12abc', bull: '12abc' },
    { id: '100%', bull: '100%25' },
    { id: 'é/ ?', bull: '%C3%A9%2F%20%3F' },
  ])('$id ↔ $bull', ({ id, bull }) => {
    expect(toBullJobId(id)).toBe(bull);
    expect(fromBullJobId(bull)).toBe(id);
    // What BullMQ checks before accepting a custom id.
    expect(bull.includes(':')).toBe(false);
    expect(`${Number.parseInt(bull, 10)}`).not.toBe(bull);
  });

  it('decodes the ids of scheduled runs to the schedule id', () => {
    expect(fromBullJobId(`repeat:${toBullJobId('digest:daily')}:1700000000000`)).toBe('repeat:digest:daily:1700000000000');
  });
});

describe('BullMQ queue names', () => {
  it.each([
    { name: 'webhook.deliver', bull: 'webhook.deliver' },
    { name: 'sms:send', bull: 'sms%3Asend' },
  ])('$name → $bull', ({ name, bull }) => {
    expect(toBullQueueName(name)).toBe(bull);
  });
});
