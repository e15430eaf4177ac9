import { describe, expect, it } from 'vitest';
import { encodeGsm7, encodeUcs2 } from '../../sending/encoding/index.ts';
import { assembleText, missingParts } from './assemble.ts';

const part = (partSeq: number, partTotal: number, userData: Buffer, dataCoding = 0) => ({ partSeq, partTotal, dataCoding, userData });

describe('assembleText', () => {
  it('joins parts in sequence order whatever their arrival order', () => {
    expect(assembleText([part(3, 3, encodeGsm7('!')), part(1, 3, encodeGsm7('Hello ')), part(2, 3, encodeGsm7('world'))])).toEqual({ ok: true, text: 'Hello world!' });
  });

  it('decodes after joining: a UTF-16 surrogate pair and a GSM-7 escape split across parts survive', () => {
    const emoji = encodeUcs2('ok 🎉');
    expect(assembleText([part(2, 2, emoji.subarray(6), 8), part(1, 2, emoji.subarray(0, 6), 8)])).toEqual({ ok: true, text: 'ok 🎉' });
    const euro = encodeGsm7('10€');
    expect(assembleText([part(1, 2, euro.subarray(0, 3)), part(2, 2, euro.subarray(3))])).toEqual({ ok: true, text: '10€' });
  });

  it('counts a part received twice once', () => {
    expect(assembleText([part(1, 2, encodeGsm7('a')), part(1, 2, encodeGsm7('a')), part(2, 2, encodeGsm7('b'))])).toEqual({ ok: true, text: 'ab' });
  });

  it.each([
    ['a missing part', [part(1, 3, encodeGsm7('a')), part(3, 3, encodeGsm7('c'))], 'part(s) 2 of 3 never arrived'],
    ['blank text', [part(1, 1, encodeGsm7('   '))], 'the message text is empty'],
    ['a template tag', [part(1, 1, encodeGsm7('Hi {{ contact.firstName }}'))], 'template tag'],
  ])('refuses %s', (_, parts, reason) => {
    const result = assembleText(parts);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('lists missing parts', () => {
    expect(missingParts([{ partSeq: 2, partTotal: 4 }])).toEqual([1, 3, 4]);
  });
});
