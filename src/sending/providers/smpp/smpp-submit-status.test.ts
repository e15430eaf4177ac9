import { describe, expect, it } from 'vitest';
import { classifySubmitStatus, describeStatus } from './smpp-submit-status.ts';

describe('classifySubmitStatus', () => {
  it.each([
    [0x00, { kind: 'accepted' }],
    [0x58, { kind: 'throttled', name: 'ESME_RTHROTTLED' }],
    [0x14, { kind: 'throttled', name: 'ESME_RMSGQFUL' }],
    [0x64, { kind: 'temporary', name: 'ESME_RX_T_APPN', rebind: false }],
    [0x08, { kind: 'temporary', name: 'ESME_RSYSERR', rebind: false }],
    [0x04, { kind: 'temporary', name: 'ESME_RINVBNDSTS', rebind: true }],
    [0x0b, { kind: 'permanent', name: 'ESME_RINVDSTADR', code: '0x0000000B' }],
    [0x0a, { kind: 'permanent', name: 'ESME_RINVSRCADR', code: '0x0000000A' }],
    [0x45, { kind: 'permanent', name: 'ESME_RSUBMITFAIL', code: '0x00000045' }],
    [0x401, { kind: 'permanent', name: '0x00000401', code: '0x00000401' }],
  ])('0x%s', (status, expected) => {
    expect(classifySubmitStatus(status)).toEqual(expected);
  });

  it('explains the common refusals', () => {
    expect(describeStatus(0x0a)).toBe('ESME_RINVSRCADR: invalid source address (sender id not allowed on this account?)');
    expect(describeStatus(0x401)).toBe('0x00000401');
  });
});
