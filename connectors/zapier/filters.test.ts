import { describe, expect, it } from 'vitest';
import { matchesFilters, type HookFilters } from './filters.ts';

const event = { source: 'woocommerce', data: { channel: 'sms', total: 12, paid: true } };

describe('matchesFilters', () => {
  it.each<[string, HookFilters, boolean]>([
    ['no filter', {}, true],
    ['same source', { source: 'woocommerce' }, true],
    ['other source', { source: 'api' }, false],
    ['equal data fields', { data: { channel: 'sms', total: 12, paid: true } }, true],
    ['a different value', { data: { channel: 'email' } }, false],
    ['a number is not its string', { data: { total: '12' } }, false],
    ['a missing field', { data: { list: 'x' } }, false],
    ['source and data, one wrong', { source: 'woocommerce', data: { paid: false } }, false],
  ])('%s', (_, filters, expected) => {
    expect(matchesFilters(event, filters)).toBe(expected);
  });
});
