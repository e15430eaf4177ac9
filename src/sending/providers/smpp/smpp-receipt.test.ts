import { describe, expect, it } from 'vitest';
import { receiptFrom, statusFromStat } from './smpp-receipt.ts';

const at = new Date('2026-11-23T10:00:00Z');

describe('statusFromStat', () => {
  it.each([
    ['DELIVRD', 'delivered'],
    ['delivered', 'delivered'],
    ['UNDELIV', 'undelivered'],
    ['UNDELIVERABLE', 'undelivered'],
    ['EXPIRED', 'expired'],
    ['DELETED', 'deleted'],
    ['ACCEPTD', 'accepted'],
    ['REJECTD', 'rejected'],
    ['ENROUTE', 'enroute'],
    ['UNKNOWN', 'unknown'],
    ['FAILED', 'undelivered'],
    ['WHATEVER', 'unknown'],
  ] as const)('%s → %s', (stat, status) => {
    expect(statusFromStat(stat)).toBe(status);
  });
});

describe('receiptFrom', () => {
  it('prefers the TLVs (receipted_message_id, message_state) to the text', () => {
    const result = receiptFrom({ text: 'id:999 stat:DELIVRD err:000', receiptedMessageId: 'ABC123', messageState: 5 }, at);
    expect(result).toEqual({ ok: true, receipt: { providerMessageId: 'ABC123', status: 'undelivered', at, raw: 'id:999 stat:DELIVRD err:000' } });
  });

  it('reads the text alone, and keeps a non-zero err as the error code', () => {
    expect(receiptFrom({ text: 'id:42 sub:001 dlvrd:000 stat:UNDELIV err:001 text:' }, at)).toEqual({
      ok: true,
      receipt: { providerMessageId: '42', status: 'undelivered', at, errorCode: '001', raw: 'id:42 sub:001 dlvrd:000 stat:UNDELIV err:001 text:' },
    });
  });

  it('falls back on network_error_code, and builds a raw line from TLVs when there is no text', () => {
    expect(receiptFrom({ text: '', receiptedMessageId: 'X1', messageState: 5, networkErrorCode: Buffer.from([0x03, 0x00, 0x22]) }, at)).toEqual({
      ok: true,
      receipt: { providerMessageId: 'X1', status: 'undelivered', at, errorCode: 'net:3:34', raw: 'receipted_message_id:X1 message_state:5' },
    });
  });

  it.each([
    ['no id at all', { text: 'stat:DELIVRD' }, /without receipted_message_id/],
    ['no state at all', { text: 'id:1 sub:001' }, /without a state/],
  ])('refuses a receipt with %s', (_, fields, reason) => {
    expect(receiptFrom(fields, at)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});
