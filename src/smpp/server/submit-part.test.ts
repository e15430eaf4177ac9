import { describe, expect, it } from 'vitest';
import { CommandStatus } from '../../smpp-protocol/index.ts';
import type { PduOf } from '../../smpp-protocol/index.ts';
import { pduSchemas } from '../../smpp-protocol/pdu.ts';
import { encodeUcs2 } from '../../sending/encoding/index.ts';
import { readSubmit } from './submit-part.ts';

const now = new Date('2026-11-23T10:00:00Z');
const account = { defaultSender: 'MaBoutique', category: 'transactional' as const, phoneRegion: 'FR' as const };
const submit = (fields: Record<string, unknown>): PduOf<'submit_sm'> =>
  pduSchemas.submit_sm.parse({ command: 'submit_sm', destination_addr: '33612345678', dest_addr_ton: 1, data_coding: 0, registered_delivery: 1, short_message: Buffer.from('Hello'), ...fields });

describe('readSubmit', () => {
  it('reads a one-part message, substituting the default sender for an empty source_addr', () => {
    const result = readSubmit(submit({}), account, now);
    expect(result).toMatchObject({ ok: true, part: { groupKey: undefined, partTotal: 1, partSeq: 1, sender: 'MaBoutique', recipient: '+33612345678', receipt: 'final', category: 'transactional' } });
    expect(result.ok && result.part.userData.toString()).toBe('Hello');
  });

  it.each([
    ['UDH 8-bit reference', { esm_class: 0x40, short_message: Buffer.from([5, 0, 3, 0x2a, 3, 2, 0x41]) }, '#udh8:42/3', 3, 2],
    ['UDH 16-bit reference', { esm_class: 0x40, short_message: Buffer.from([6, 8, 4, 0x01, 0x02, 2, 1, 0x41]) }, '#udh16:258/2', 2, 1],
    ['SAR TLVs', { sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 2, short_message: Buffer.from('A') }, '#sar:7/2', 2, 2],
  ])('groups the parts of a long message: %s', (_, fields, key, total, seq) => {
    const result = readSubmit(submit(fields), account, now);
    expect(result.ok && result.part).toMatchObject({ groupKey: `>33612345678${key}`, partTotal: total, partSeq: seq });
    expect(result.ok && result.part.userData.toString()).toBe('A');
  });

  it('reads message_payload and the receipt request bits', () => {
    const result = readSubmit(submit({ short_message: Buffer.alloc(0), data_coding: 8, message_payload: encodeUcs2('Été 🌞'), registered_delivery: 2 }), account, now);
    expect(result.ok && result.part).toMatchObject({ dataCoding: 8, receipt: 'failure' });
    expect(readSubmit(submit({ registered_delivery: 0 }), account, now)).toMatchObject({ ok: true, part: { receipt: 'none' } });
  });

  it('reads schedule_delivery_time as sendAt', () => {
    expect(readSubmit(submit({ schedule_delivery_time: '261124080000000+' }), account, now)).toMatchObject({ ok: true, part: { sendAt: new Date('2026-11-24T08:00:00Z') } });
  });

  it.each([
    ['no destination', { destination_addr: '' }, CommandStatus.ESME_RINVDSTADR],
    ['a destination too short to be a number', { destination_addr: '123', dest_addr_ton: 0 }, CommandStatus.ESME_RINVDSTADR],
    ['a truncated international number', { destination_addr: '33612', dest_addr_ton: 1 }, CommandStatus.ESME_RINVDSTADR],
    ['a sender the hub cannot use', { source_addr: 'Far too long sender', source_addr_ton: 5 }, CommandStatus.ESME_RINVSRCADR],
    ['a receipt as esm_class', { esm_class: 0x04 }, CommandStatus.ESME_RINVESMCLASS],
    ['binary data_coding', { data_coding: 4 }, CommandStatus.ESME_RSUBMITFAIL],
    ['IA5 data_coding', { data_coding: 1 }, CommandStatus.ESME_RSUBMITFAIL],
    ['Latin-1 sent as GSM 03.38', { short_message: Buffer.from([0x48, 0xe9]) }, CommandStatus.ESME_RSUBMITFAIL],
    ['an empty message', { short_message: Buffer.alloc(0) }, CommandStatus.ESME_RINVMSGLEN],
    ['a broken UDH', { esm_class: 0x40, short_message: Buffer.from([5, 0, 7, 1, 2, 1, 0x41]) }, CommandStatus.ESME_RINVESMCLASS],
    ['a national shift table', { esm_class: 0x40, short_message: Buffer.from([3, 0x24, 1, 1, 0x41]) }, CommandStatus.ESME_RSUBMITFAIL],
    ['a SAR sequence out of range', { sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 3 }, CommandStatus.ESME_RINVOPTPARAMVAL],
    ['a bad schedule time', { schedule_delivery_time: '261324080000000+' }, CommandStatus.ESME_RINVSCHED],
  ])('refuses %s', (_, fields, status) => {
    expect(readSubmit(submit(fields), account, now)).toMatchObject({ ok: false, status });
  });
});
