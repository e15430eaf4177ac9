import { describe, expect, it } from 'vitest';
import { formatReceiptText, parseReceiptText } from './receipt-text.ts';

describe('formatReceiptText', () => {
  it('writes receipts in the SMPP 3.4 Appendix B format', () => {
    const text = formatReceiptText({ id: 'sbx1', submitted: new Date('2026-11-23T10:15:00Z'), done: new Date('2026-11-23T10:15:02Z'), stat: 'DELIVRD', err: '000', text: 'Bonjour Camille, votre commande' });
    expect(text).toBe('id:sbx1 sub:001 dlvrd:001 submit date:2611231015 done date:2611231015 stat:DELIVRD err:000 text:Bonjour Camille, vot');
  });
});

describe('parseReceiptText', () => {
  it.each([
    [
      'SMPP 3.4 Appendix B',
      'id:0123456789 sub:001 dlvrd:001 submit date:2611231015 done date:2611231016 stat:DELIVRD err:000 text:Bonjour',
      { id: '0123456789', stat: 'DELIVRD', err: '000', submitDate: '2611231015', doneDate: '2611231016' },
    ],
    ['upper-case keys, seconds in dates', 'ID:ab12 SUB:001 DLVRD:000 SUBMIT DATE:261123101512 DONE DATE:261123101630 STAT:UNDELIV ERR:001 TEXT:x', { id: 'ab12', stat: 'UNDELIV', err: '001', submitDate: '261123101512', doneDate: '261123101630' }],
    ['long state, letters in err, no dates', 'id:7f3a-44 stat:DELIVERED err:0x1F', { id: '7f3a-44', stat: 'DELIVERED', err: '0x1F' }],
    ['"stat:" inside the free text is not the state', 'id:9 stat:EXPIRED err:027 text:stat:DELIVRD', { id: '9', stat: 'EXPIRED', err: '027' }],
    ['nothing usable', 'hello', {}],
  ])('%s', (_, text, expected) => {
    expect(parseReceiptText(text)).toEqual(expected);
  });
});
