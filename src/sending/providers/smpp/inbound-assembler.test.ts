import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeGsm7, encodeUcs2 } from '../../encoding/index.ts';
import type { InboundSms } from '../provider.ts';
import { InboundAssembler } from './inbound-assembler.ts';
import type { InboundPart } from './smpp-incoming.ts';

const at = new Date('2026-11-23T10:00:00Z');
const part = (payload: Buffer, sequence?: number, extra: Partial<InboundPart> = {}): InboundPart => ({
  from: '+33612345678',
  to: '36173',
  at,
  dataCoding: 0,
  payload,
  ...(sequence === undefined ? {} : { concat: { reference: 9, total: 2, sequence } }),
  ...extra,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('InboundAssembler', () => {
  it('passes a single part straight through', () => {
    const assembler = new InboundAssembler({ timeoutMs: 1_000, onIncomplete: () => undefined });
    expect(assembler.add(part(encodeGsm7('STOP')))).toMatchObject({ kind: 'complete', sms: { from: '+33612345678', to: '36173', text: 'STOP', at } });
  });

  it('joins parts in sequence order before decoding: a surrogate pair split between parts survives', () => {
    const assembler = new InboundAssembler({ timeoutMs: 1_000, onIncomplete: () => undefined });
    const bytes = encodeUcs2('Merci 😀');
    const second = assembler.add(part(bytes.subarray(14), 2, { dataCoding: 8 }));
    expect(second).toEqual({ kind: 'buffered' });
    const first = assembler.add(part(bytes.subarray(0, 14), 1, { dataCoding: 8 }));
    if (first.kind !== 'complete') throw new Error(first.kind);
    expect(first.sms.text).toBe('Merci 😀');
    first.done();
    expect(assembler.pendingCount).toBe(0);
  });

  it('after a sink failure the completing part is needed again, and completes the message when offered again', () => {
    const assembler = new InboundAssembler({ timeoutMs: 1_000, onIncomplete: () => undefined });
    assembler.add(part(encodeGsm7('Bon'), 1));
    const completing = assembler.add(part(encodeGsm7('jour'), 2));
    if (completing.kind !== 'complete') throw new Error(completing.kind);
    completing.failed();
    expect(assembler.pendingCount).toBe(1);
    const again = assembler.add(part(encodeGsm7('jour'), 2));
    expect(again).toMatchObject({ kind: 'complete', sms: { text: 'Bonjour' } });
  });

  it('passes an incomplete message on after the timeout, with the parts that came', () => {
    vi.useFakeTimers();
    const passed: InboundSms[] = [];
    const assembler = new InboundAssembler({ timeoutMs: 1_000, onIncomplete: (sms) => passed.push(sms) });
    assembler.add(part(encodeGsm7('Seulement le début'), 1));
    vi.advanceTimersByTime(1_000);
    expect(passed.map((sms) => sms.text)).toEqual(['Seulement le début']);
    expect(assembler.pendingCount).toBe(0);
  });

  it('keys parts by author: two authors with the same reference do not mix', () => {
    const assembler = new InboundAssembler({ timeoutMs: 1_000, onIncomplete: () => undefined });
    assembler.add(part(encodeGsm7('A1'), 1));
    assembler.add(part(encodeGsm7('B1'), 1, { from: '+33699999999' }));
    expect(assembler.add(part(encodeGsm7('A2'), 2))).toMatchObject({ kind: 'complete', sms: { text: 'A1A2', from: '+33612345678' } });
  });

  it('refuses a message that does not decode', () => {
    const assembler = new InboundAssembler({ timeoutMs: 1_000, onIncomplete: () => undefined });
    expect(assembler.add(part(Buffer.from([0x41]), undefined, { dataCoding: 4 }))).toMatchObject({ kind: 'undecodable', reason: expect.stringContaining('data_coding 0x04') });
  });
});
