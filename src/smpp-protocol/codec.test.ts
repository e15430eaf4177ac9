import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu, readHeader } from './codec.ts';
import { CommandStatus, EsmClass, MessageState, DataCoding } from './constants.ts';
import { SmppEncodeError } from './errors.ts';
import type { PduInput } from './pdu.ts';

// node-smpp ships no types; only its PDU class is used here, as the reference implementation we must interoperate with.
interface SmppPackagePdu {
  toBuffer(): Buffer;
  [field: string]: unknown;
}
const smpp = createRequire(import.meta.url)('smpp') as {
  PDU: new (command: string | Buffer, options?: Record<string, unknown>) => SmppPackagePdu;
};

const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]); // concatenation IE: ref 42, part 1 of 2
const ucs2 = Buffer.from('Привет', 'utf16le').swap16(); // UCS-2 is big-endian

/** One PDU of every command, with the fields and TLVs the hub relies on. */
const samples: PduInput[] = [
  { command: 'bind_transceiver', sequence_number: 1, system_id: 'adobe', password: 'secret', system_type: 'CMP' },
  { command: 'bind_transmitter', sequence_number: 2, system_id: 'tx', password: 'p', interface_version: 0x34 },
  { command: 'bind_receiver', sequence_number: 3, system_id: 'rx', password: 'p', address_range: '^336' },
  { command: 'bind_transceiver_resp', sequence_number: 1, system_id: 'hub', sc_interface_version: 0x34 },
  { command: 'bind_transmitter_resp', sequence_number: 2, system_id: 'hub' },
  { command: 'bind_receiver_resp', sequence_number: 3, command_status: CommandStatus.ESME_RINVPASWD },
  {
    command: 'submit_sm',
    sequence_number: 4,
    source_addr_ton: 5,
    source_addr: 'Shop',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '33612345678',
    esm_class: EsmClass.UDHI,
    registered_delivery: 1,
    validity_period: '261124120000000+',
    data_coding: DataCoding.UCS2,
    short_message: Buffer.concat([udh, ucs2]),
  },
  { command: 'submit_sm_resp', sequence_number: 4, message_id: 'Ab12Cd34Ef' },
  {
    command: 'deliver_sm',
    sequence_number: 5,
    source_addr: '33612345678',
    destination_addr: '36000',
    esm_class: EsmClass.DELIVERY_RECEIPT,
    data_coding: 0,
    short_message: Buffer.from('id:Ab12Cd34Ef sub:001 dlvrd:001 submit date:2611241200 done date:2611241201 stat:DELIVRD err:000 text:'),
    receipted_message_id: 'Ab12Cd34Ef',
    message_state: MessageState.DELIVERED,
    network_error_code: Buffer.from([3, 0, 0]),
  },
  { command: 'deliver_sm_resp', sequence_number: 5 },
  {
    command: 'data_sm',
    sequence_number: 6,
    destination_addr: '33612345678',
    data_coding: 0,
    message_payload: Buffer.from('a long text '.repeat(40)),
    sar_msg_ref_num: 513,
    sar_total_segments: 2,
    sar_segment_seqnum: 1,
    user_message_reference: 9,
    other_tlvs: [{ tag: 0x1400, value: Buffer.from('vendor') }],
  },
  { command: 'data_sm_resp', sequence_number: 6, message_id: 'X1' },
  { command: 'query_sm', sequence_number: 7, message_id: 'Ab12Cd34Ef', source_addr: '36000' },
  { command: 'query_sm_resp', sequence_number: 7, message_id: 'Ab12Cd34Ef', final_date: '261124120100000+', message_state: 2 },
  { command: 'cancel_sm', sequence_number: 8, message_id: 'Ab12Cd34Ef', destination_addr: '33612345678' },
  { command: 'cancel_sm_resp', sequence_number: 8 },
  { command: 'enquire_link', sequence_number: 9 },
  { command: 'enquire_link_resp', sequence_number: 9 },
  { command: 'unbind', sequence_number: 10 },
  { command: 'unbind_resp', sequence_number: 10 },
  { command: 'generic_nack', sequence_number: 11, command_status: CommandStatus.ESME_RINVCMDID },
];

/** Builds a raw PDU: header fields then body octets, command_length computed unless given. */
function raw(commandId: number, sequence: number, body: Buffer | number[], commandLength?: number, status = 0): Buffer {
  const b = Buffer.concat([Buffer.alloc(16), Buffer.from(body)]);
  b.writeUInt32BE(commandLength ?? b.length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(status, 8);
  b.writeUInt32BE(sequence, 12);
  return b;
}
const cstr = (s: string) => Buffer.from(`${s}\0`, 'latin1');
/** A submit_sm body up to and including data_coding and sm_default_msg_id, for hand-made variations. */
function submitHead(opts: { esm?: number; dc?: number; src?: string; dst?: string; validity?: string } = {}): Buffer {
  return Buffer.concat([
    cstr(''), // service_type
    Buffer.from([0, 0]),
    cstr(opts.src ?? ''),
    Buffer.from([1, 1]),
    cstr(opts.dst ?? '33612345678'),
    Buffer.from([opts.esm ?? 0, 0, 0]), // esm_class, protocol_id, priority_flag
    cstr(''),
    cstr(opts.validity ?? ''),
    Buffer.from([0, 0, opts.dc ?? 0, 0]), // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
  ]);
}

describe('encodePdu / decodePdu', () => {
  it.each(samples.map((s) => [s.command, s] as const))('round-trips %s', (_command, input) => {
    const encoded = encodePdu(input);
    expect(encoded.readUInt32BE(0)).toBe(encoded.length);
    const decoded = decodePdu(encoded);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.pdu).toMatchObject(input as object);
    // Canonical: the decoded PDU encodes to the same octets.
    expect(encodePdu(decoded.pdu)).toEqual(encoded);
  });

  it('keeps short_message octets exactly (UDH and UCS-2 are not reinterpreted)', () => {
    const decoded = decodePdu(encodePdu(samples[6]!));
    expect(decoded.ok && decoded.pdu.command === 'submit_sm' && decoded.pdu.short_message).toEqual(Buffer.concat([udh, ucs2]));
  });

  it('encodes an error response as a bare header (§4.4.2) and decodes it with defaults', () => {
    const encoded = encodePdu({ command: 'submit_sm_resp', sequence_number: 3, command_status: CommandStatus.ESME_RTHROTTLED, message_id: 'x' });
    expect(encoded.length).toBe(16);
    expect(decodePdu(encoded)).toEqual({
      ok: true,
      pdu: { command: 'submit_sm_resp', command_status: 0x58, sequence_number: 3, message_id: '' },
    });
  });

  it('accepts a bodiless deliver_sm_resp with ESME_ROK, as some ESMEs send it', () => {
    expect(decodePdu(raw(0x80000005, 12, []))).toMatchObject({ ok: true, pdu: { command: 'deliver_sm_resp', message_id: '' } });
  });

  it('tolerates a broken body on an error response, whose body is not relied upon', () => {
    const result = decodePdu(raw(0x80000004, 5, Buffer.from('Ab12'), undefined, CommandStatus.ESME_RTHROTTLED));
    expect(result).toEqual({ ok: true, pdu: { command: 'submit_sm_resp', command_status: 0x58, sequence_number: 5, message_id: '' } });
  });

  it('accepts receipted_message_id without its NUL', () => {
    const body = Buffer.concat([submitHead(), Buffer.from([0]), Buffer.from([0x00, 0x1e, 0x00, 0x03]), Buffer.from('abc')]);
    expect(decodePdu(raw(5, 1, body))).toMatchObject({ ok: true, pdu: { receipted_message_id: 'abc' } });
  });

  it('keeps unknown TLVs verbatim and in order', () => {
    const body = Buffer.concat([submitHead(), Buffer.from([0]), Buffer.from([0x14, 0x01, 0, 2, 9, 9, 0x14, 0x00, 0, 0])]);
    const decoded = decodePdu(raw(4, 1, body));
    expect(decoded).toMatchObject({
      ok: true,
      pdu: { other_tlvs: [{ tag: 0x1401, value: Buffer.from([9, 9]) }, { tag: 0x1400, value: Buffer.alloc(0) }] },
    });
    expect(decoded.ok && encodePdu(decoded.pdu)).toEqual(raw(4, 1, body));
  });
});

describe('decodePdu on bad input', () => {
  const submitOk = Buffer.concat([submitHead(), Buffer.from([2, 0x41, 0x42])]);
  it.each([
    ['fewer than 16 octets', Buffer.alloc(10), 'too_short', CommandStatus.ESME_RINVCMDLEN, false],
    ['command_length not the buffer length', raw(4, 5, submitOk, 99), 'length_mismatch', CommandStatus.ESME_RINVCMDLEN, true],
    ['unknown command_id', raw(0x99, 5, []), 'unknown_command', CommandStatus.ESME_RINVCMDID, true],
    ['a spec command we do not speak (replace_sm)', raw(0x07, 5, []), 'unknown_command', CommandStatus.ESME_RINVCMDID, true],
    ['submit_sm with no body', raw(4, 5, []), 'truncated_body', CommandStatus.ESME_RINVCMDLEN, true],
    ['a successful submit_sm_resp whose message_id lacks its NUL', raw(0x80000004, 5, Buffer.from('Ab12')), 'truncated_body', CommandStatus.ESME_RINVCMDLEN, true],
    ['a C-string without its NUL', raw(4, 5, Buffer.from('abc')), 'truncated_body', CommandStatus.ESME_RINVCMDLEN, true],
    ['sm_length beyond the body', raw(4, 5, Buffer.concat([submitHead(), Buffer.from([200, 0x41])])), 'truncated_body', CommandStatus.ESME_RINVMSGLEN, true],
    ['sm_length missing', raw(4, 5, submitHead()), 'truncated_body', CommandStatus.ESME_RINVCMDLEN, true],
    ['sm_length 255', raw(4, 5, Buffer.concat([submitHead(), Buffer.from([255]), Buffer.alloc(255, 0x41)])), 'invalid_field', CommandStatus.ESME_RINVMSGLEN, true],
    ['stray octets after the body', raw(0x15, 5, [1, 2]), 'bad_tlv', CommandStatus.ESME_RINVOPTPARSTREAM, true],
    ['a TLV longer than the PDU', raw(4, 5, Buffer.concat([submitOk, Buffer.from([0x04, 0x24, 0x00, 0x10, 1])])), 'bad_tlv', CommandStatus.ESME_RINVOPTPARSTREAM, true],
    ['message_state of length 2', raw(5, 5, Buffer.concat([submitOk, Buffer.from([0x04, 0x27, 0x00, 0x02, 1, 2])])), 'bad_tlv', CommandStatus.ESME_RINVPARLEN, true],
    ['a TLV twice', raw(5, 5, Buffer.concat([submitOk, Buffer.from([0x04, 0x27, 0, 1, 2, 0x04, 0x27, 0, 1, 2])])), 'bad_tlv', CommandStatus.ESME_RINVOPTPARSTREAM, true],
    ['system_id of 16 characters (max 16 octets with NUL)', raw(9, 5, Buffer.concat([cstr('a'.repeat(16)), cstr('p'), cstr(''), Buffer.from([0x34, 0, 0]), cstr('')])), 'invalid_field', CommandStatus.ESME_RINVSYSID, true],
    ['password of 9 characters', raw(2, 5, Buffer.concat([cstr('a'), cstr('p'.repeat(9)), cstr(''), Buffer.from([0x34, 0, 0]), cstr('')])), 'invalid_field', CommandStatus.ESME_RINVPASWD, true],
    ['destination_addr of 21 characters', raw(4, 5, Buffer.concat([submitHead({ dst: '1'.repeat(21) }), Buffer.from([0])])), 'invalid_field', CommandStatus.ESME_RINVDSTADR, true],
    ['source_addr of 21 characters', raw(4, 5, Buffer.concat([submitHead({ src: '1'.repeat(21) }), Buffer.from([0])])), 'invalid_field', CommandStatus.ESME_RINVSRCADR, true],
    ['a malformed validity_period', raw(4, 5, Buffer.concat([submitHead({ validity: 'tomorrow' }), Buffer.from([0])])), 'invalid_field', CommandStatus.ESME_RINVEXPIRY, true],
    ['a reserved esm_class message type', raw(4, 5, Buffer.concat([submitHead({ esm: 0x0c }), Buffer.from([0])])), 'invalid_field', CommandStatus.ESME_RINVESMCLASS, true],
    ['UDHI with a header longer than the message', raw(4, 5, Buffer.concat([submitHead({ esm: 0x40 }), Buffer.from([3, 5, 0, 3])])), 'invalid_field', CommandStatus.ESME_RINVMSGLEN, true],
    ['UDHI with an empty message', raw(4, 5, Buffer.concat([submitHead({ esm: 0x40 }), Buffer.from([0])])), 'invalid_field', CommandStatus.ESME_RINVMSGLEN, true],
    ['UCS-2 with an odd octet count', raw(4, 5, Buffer.concat([submitHead({ dc: 8 }), Buffer.from([3, 0, 0x41, 0])])), 'invalid_field', CommandStatus.ESME_RINVMSGLEN, true],
    ['both short_message and message_payload', raw(4, 5, Buffer.concat([submitOk, Buffer.from([0x04, 0x24, 0, 1, 0x41])])), 'invalid_field', CommandStatus.ESME_RINVMSGLEN, true],
  ] as const)('%s', (_name, buffer, code, status, hasHeader) => {
    const result = decodePdu(buffer);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'decode', code, status });
    if (hasHeader) expect(result.header).toMatchObject({ sequence_number: 5 });
    else expect(result.header).toBeUndefined();
  });

  it('readHeader names known commands only', () => {
    expect(readHeader(raw(4, 1, []))).toMatchObject({ command: 'submit_sm', sequence_number: 1 });
    expect(readHeader(raw(0x99, 1, []))?.command).toBeUndefined();
  });
});

describe('encodePdu refuses invalid PDUs', () => {
  it.each([
    ['a 255-octet short_message', { command: 'submit_sm', destination_addr: '1', data_coding: 0, short_message: Buffer.alloc(255) }],
    ['a missing data_coding', { command: 'submit_sm', destination_addr: '1' }],
    ['a 16-character system_id', { command: 'bind_transmitter', system_id: 'a'.repeat(16), password: '' }],
    ['a NUL inside a string', { command: 'submit_sm_resp', message_id: 'a\0b' }],
    ['a character outside latin1', { command: 'submit_sm_resp', message_id: 'é€' }],
    ['a known tag in other_tlvs', { command: 'data_sm', destination_addr: '1', data_coding: 0, other_tlvs: [{ tag: 0x0427, value: Buffer.from([2]) }] }],
    ['an unknown command', { command: 'replace_sm' }],
  ])('%s', (_name, input) => {
    expect(() => encodePdu(input as PduInput)).toThrow(SmppEncodeError);
  });

  it('honours maxPduLength', () => {
    const big: PduInput = { command: 'data_sm', destination_addr: '1', data_coding: 0, message_payload: Buffer.alloc(2000) };
    expect(() => encodePdu(big, { maxPduLength: 1000 })).toThrow(/exceeds the maximum/);
  });
});

describe('interoperability with the smpp package (node-smpp 0.5.1)', () => {
  it('decodes what it encodes', () => {
    const theirs = new smpp.PDU('deliver_sm', {
      sequence_number: 42,
      source_addr: '33612345678',
      destination_addr: '36000',
      esm_class: 4,
      data_coding: 0,
      short_message: Buffer.from('id:Ab12Cd34Ef stat:DELIVRD err:000'),
      receipted_message_id: 'Ab12Cd34Ef',
      message_state: 2,
    }).toBuffer();
    expect(decodePdu(theirs)).toMatchObject({
      ok: true,
      pdu: {
        command: 'deliver_sm',
        sequence_number: 42,
        source_addr: '33612345678',
        esm_class: 4,
        short_message: Buffer.from('id:Ab12Cd34Ef stat:DELIVRD err:000'),
        receipted_message_id: 'Ab12Cd34Ef',
        message_state: 2,
      },
    });
  });

  it.each([
    ['bind_transceiver', { system_id: 'adobe', password: 'secret', system_type: 'CMP', interface_version: 0x34 }],
    ['bind_transceiver_resp', { system_id: 'hub' }],
    ['submit_sm', { destination_addr: '33612345678', source_addr: 'Shop', esm_class: 0x40, registered_delivery: 1, data_coding: 8, short_message: Buffer.concat([udh, ucs2]) }],
    ['submit_sm_resp', { message_id: 'Ab12Cd34Ef' }],
    ['deliver_sm_resp', { message_id: '' }],
    ['query_sm', { message_id: 'Ab12Cd34Ef', source_addr: '36000' }],
    ['cancel_sm', { message_id: 'Ab12Cd34Ef', destination_addr: '33612345678' }],
    ['enquire_link', {}],
    ['unbind_resp', {}],
  ] as const)('encodes %s to the same octets', (command, fields) => {
    const ours = encodePdu({ command, sequence_number: 7, ...fields } as PduInput);
    const theirs = new smpp.PDU(command, { sequence_number: 7, ...fields }).toBuffer();
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });
});
