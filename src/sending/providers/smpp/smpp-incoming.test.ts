import { describe, expect, it } from 'vitest';
import { encodeGsm7, encodeUcs2 } from '../../encoding/index.ts';
import { pduSchemas } from '../../../smpp-protocol/index.ts';
import type { PduInputOf } from '../../../smpp-protocol/index.ts';
import { interpretIncoming } from './smpp-incoming.ts';

const at = new Date('2026-11-23T10:00:00Z');
const deliver = (fields: Omit<PduInputOf<'deliver_sm'>, 'command'>) => pduSchemas.deliver_sm.parse({ command: 'deliver_sm', ...fields });

describe('interpretIncoming', () => {
  it('a receipt by esm_class 0x04', () => {
    const pdu = deliver({ source_addr: '33612345678', destination_addr: 'MaBoutique', esm_class: 0x04, data_coding: 0, short_message: Buffer.from('id:A1 stat:DELIVRD err:000'), receipted_message_id: 'A1', message_state: 2 });
    expect(interpretIncoming(pdu, at)).toEqual({ kind: 'receipt', receipt: { providerMessageId: 'A1', status: 'delivered', at, raw: 'id:A1 stat:DELIVRD err:000' } });
  });

  it('a receipt by receipted_message_id alone (esm_class left at 0 by some SMSCs)', () => {
    const pdu = deliver({ destination_addr: '36173', data_coding: 0, receipted_message_id: 'B2', message_state: 3 });
    expect(interpretIncoming(pdu, at)).toMatchObject({ kind: 'receipt', receipt: { providerMessageId: 'B2', status: 'expired' } });
  });

  it('a receipt nobody can match is refused for good (ESME_RX_P_APPN)', () => {
    const pdu = deliver({ destination_addr: '36173', esm_class: 0x04, data_coding: 0, short_message: Buffer.from('stat:DELIVRD') });
    expect(interpretIncoming(pdu, at)).toMatchObject({ kind: 'unusable', status: 0x65 });
  });

  it('an MO: author in E.164 when international, user data still encoded', () => {
    const pdu = deliver({ source_addr_ton: 1, source_addr_npi: 1, source_addr: '33612345678', dest_addr_ton: 3, destination_addr: '36173', data_coding: 8, short_message: encodeUcs2('Arrêt') });
    expect(interpretIncoming(pdu, at)).toEqual({ kind: 'message', part: { from: '+33612345678', to: '36173', at, dataCoding: 8, payload: encodeUcs2('Arrêt') } });
  });

  it('an MO part with a UDH, and one with SAR TLVs', () => {
    const udh = deliver({ source_addr: '0612345678', destination_addr: '36173', esm_class: 0x40, data_coding: 0, short_message: Buffer.concat([Buffer.from('0500031f0302', 'hex'), encodeGsm7('milieu')]) });
    const sar = deliver({ source_addr: '0612345678', destination_addr: '36173', data_coding: 0, short_message: encodeGsm7('fin'), sar_msg_ref_num: 300, sar_total_segments: 3, sar_segment_seqnum: 3 });
    expect(interpretIncoming(udh, at)).toMatchObject({ kind: 'message', part: { from: '0612345678', payload: encodeGsm7('milieu'), concat: { reference: 0x1f, total: 3, sequence: 2 } } });
    expect(interpretIncoming(sar, at)).toMatchObject({ kind: 'message', part: { payload: encodeGsm7('fin'), concat: { reference: 300, total: 3, sequence: 3 } } });
  });

  it('a broken UDH is refused for good', () => {
    const pdu = deliver({ destination_addr: '36173', esm_class: 0x40, data_coding: 0, short_message: Buffer.from('05000301030041', 'hex') }); // part 0 of 3
    expect(interpretIncoming(pdu, at)).toMatchObject({ kind: 'unusable', status: 0x65, reason: expect.stringContaining('user data header') });
  });
});
