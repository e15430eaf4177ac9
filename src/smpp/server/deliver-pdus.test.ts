import { describe, expect, it } from 'vitest';
import { encodePdu, decodePdu } from '../../smpp-protocol/index.ts';
import { errorCodeOf, moPdu, receiptExcerpt, receiptPdu, toDeliverSm, type FinalStatus } from './deliver-pdus.ts';

const part = {
  id: 'Ab12Cd34Ef',
  sourceAddr: '',
  sourceTon: 0,
  sourceNpi: 0,
  destinationAddr: '33612345678',
  destTon: 1,
  destNpi: 1,
  submittedAt: new Date('2026-11-23T10:15:02Z'),
  doneAt: new Date('2026-11-23T10:16:40Z'),
};

describe('receiptPdu (SMPP 3.4 Appendix B, as Adobe Campaign parses it)', () => {
  it.each<[FinalStatus, string, string, number]>([
    ['delivered', 'DELIVRD', '001', 2],
    ['undelivered', 'UNDELIV', '000', 5],
    ['expired', 'EXPIRED', '000', 3],
    ['rejected', 'REJECTD', '000', 8],
    ['failed', 'UNDELIV', '000', 5],
    ['blocked', 'REJECTD', '000', 8],
  ])('%s → stat:%s dlvrd:%s message_state %i', (status, stat, dlvrd, state) => {
    const pdu = receiptPdu({ ...part, status, errorCode: errorCodeOf(status, undefined), text: 'Votre code: 1234' });
    const text = Buffer.from(pdu.short_message, 'base64').toString('latin1');
    expect(text).toBe(`id:Ab12Cd34Ef sub:001 dlvrd:${dlvrd} submit date:2611231015 done date:2611231016 stat:${stat} err:${errorCodeOf(status, undefined)} text:Votre code: 1234`);
    expect(pdu).toMatchObject({ esm_class: 4, receipted_message_id: 'Ab12Cd34Ef', message_state: state, source_addr: '33612345678', source_addr_ton: 1, destination_addr: '' });
    // Adobe Campaign's default "Extraction regex of the ID in the SR".
    expect(/\bid:([a-zA-Z0-9]{1,10})\b/.exec(text)?.[1]).toBe('Ab12Cd34Ef');
    expect(/\berr:(\w{3})/.exec(text)).not.toBeNull();
  });

  it('encodes and decodes as a deliver_sm with its TLVs, and without them for an SMPP 3.3 ESME', () => {
    const stored = receiptPdu({ ...part, status: 'delivered', errorCode: '000', text: 'x' });
    const decoded = decodePdu(encodePdu({ ...toDeliverSm(stored, true), sequence_number: 1 }));
    expect(decoded.ok && decoded.pdu).toMatchObject({ command: 'deliver_sm', receipted_message_id: 'Ab12Cd34Ef', message_state: 2 });
    const legacy = toDeliverSm(stored, false);
    expect(legacy.receipted_message_id).toBeUndefined();
  });
});

describe('errorCodeOf', () => {
  it.each<[FinalStatus, string | undefined, string]>([
    ['delivered', undefined, '000'],
    ['undelivered', 'undelivered (err:027)', '027'],
    ['undelivered', undefined, '001'],
    ['blocked', 'opted_out', '101'],
    ['blocked', 'no_consent', '102'],
    ['blocked', 'invalid_number', '103'],
    ['failed', 'gave up after 8 attempts: timeout', '105'],
  ])('%s %j → %s', (status, reason, code) => {
    expect(errorCodeOf(status, reason)).toBe(code);
  });
});

describe('receiptExcerpt', () => {
  it('keeps what reads the same in ASCII and GSM 03.38, at most 20 characters', () => {
    expect(receiptExcerpt('Réduc @ 20% {promo} 🎉 et plus')).toBe('R.duc . 20% .promo. ');
  });
});

describe('moPdu', () => {
  it.each([
    ['STOP', 0, 'STOP'],
    ['Ça marche 👍', 8, null],
  ])('%j → data_coding %i', (text, dataCoding, latin1) => {
    const pdu = moPdu({ from: '+33612345678', to: '36173', text });
    expect(pdu).toMatchObject({ source_addr: '33612345678', source_addr_ton: 1, destination_addr: '36173', esm_class: 0, data_coding: dataCoding });
    if (latin1) expect(Buffer.from(pdu.short_message, 'base64').toString('latin1')).toBe(latin1);
  });

  it('puts a text longer than short_message in message_payload', () => {
    const pdu = moPdu({ from: '+33612345678', to: '36173', text: 'a'.repeat(300) });
    expect(pdu.short_message).toBe('');
    expect(Buffer.from(pdu.message_payload!, 'base64')).toHaveLength(300);
  });
});
