// PDU <-> octets for the commands in pdu.ts. Pure functions, no I/O.
//
// We encode and decode ourselves rather than through the 'smpp' package's PDU class. Probed on 0.5.1: its decoder
// turns short_message into text guessed from data_coding and a relative validity_period into a Date computed from
// the local clock (both lossy for a hub that relays octets), accepts an sm_length beyond the body and a C-string
// without its NUL, drops unknown TLVs when re-encoding, and throws on PDUs over its fixed 16 KiB. The layouts below
// transcribe §4; the tests check them octet for octet against that package, our reference for interoperability.
import { CommandId, CommandStatus, HEADER_LENGTH, TlvTag, commandFromId, isResponseId } from './constants.ts';
import type { Command } from './constants.ts';
import type { DecodeError, DecodeErrorCode } from './errors.ts';
import { SmppEncodeError } from './errors.ts';
import { pduSchemas, statusForField } from './pdu.ts';
import type { Pdu, PduInput } from './pdu.ts';

/** Wire types of mandatory parameters (§3.1): Int1, C-Octet String, and sm_length followed by short_message. */
type FieldKind = 'u8' | 'cstr' | 'sm';
type Layout = readonly (readonly [name: string, kind: FieldKind])[];

// §4.1.1
const BIND: Layout = [
  ['system_id', 'cstr'],
  ['password', 'cstr'],
  ['system_type', 'cstr'],
  ['interface_version', 'u8'],
  ['addr_ton', 'u8'],
  ['addr_npi', 'u8'],
  ['address_range', 'cstr'],
];
// §4.4.1 submit_sm and §4.6.1 deliver_sm
const SM: Layout = [
  ['service_type', 'cstr'],
  ['source_addr_ton', 'u8'],
  ['source_addr_npi', 'u8'],
  ['source_addr', 'cstr'],
  ['dest_addr_ton', 'u8'],
  ['dest_addr_npi', 'u8'],
  ['destination_addr', 'cstr'],
  ['esm_class', 'u8'],
  ['protocol_id', 'u8'],
  ['priority_flag', 'u8'],
  ['schedule_delivery_time', 'cstr'],
  ['validity_period', 'cstr'],
  ['registered_delivery', 'u8'],
  ['replace_if_present_flag', 'u8'],
  ['data_coding', 'u8'],
  ['sm_default_msg_id', 'u8'],
  ['short_message', 'sm'],
];
const MESSAGE_ID: Layout = [['message_id', 'cstr']];

const LAYOUTS: { [C in Command]: Layout } = {
  generic_nack: [],
  bind_receiver: BIND,
  bind_receiver_resp: [['system_id', 'cstr']],
  bind_transmitter: BIND,
  bind_transmitter_resp: [['system_id', 'cstr']],
  bind_transceiver: BIND,
  bind_transceiver_resp: [['system_id', 'cstr']],
  // §4.8.1, §4.8.2
  query_sm: [
    ['message_id', 'cstr'],
    ['source_addr_ton', 'u8'],
    ['source_addr_npi', 'u8'],
    ['source_addr', 'cstr'],
  ],
  query_sm_resp: [
    ['message_id', 'cstr'],
    ['final_date', 'cstr'],
    ['message_state', 'u8'],
    ['error_code', 'u8'],
  ],
  submit_sm: SM,
  submit_sm_resp: MESSAGE_ID,
  deliver_sm: SM,
  deliver_sm_resp: MESSAGE_ID,
  // §4.7.1, §4.7.2
  data_sm: [
    ['service_type', 'cstr'],
    ['source_addr_ton', 'u8'],
    ['source_addr_npi', 'u8'],
    ['source_addr', 'cstr'],
    ['dest_addr_ton', 'u8'],
    ['dest_addr_npi', 'u8'],
    ['destination_addr', 'cstr'],
    ['esm_class', 'u8'],
    ['registered_delivery', 'u8'],
    ['data_coding', 'u8'],
  ],
  data_sm_resp: MESSAGE_ID,
  unbind: [],
  unbind_resp: [],
  // §4.9.1
  cancel_sm: [
    ['service_type', 'cstr'],
    ['message_id', 'cstr'],
    ['source_addr_ton', 'u8'],
    ['source_addr_npi', 'u8'],
    ['source_addr', 'cstr'],
    ['dest_addr_ton', 'u8'],
    ['dest_addr_npi', 'u8'],
    ['destination_addr', 'cstr'],
  ],
  cancel_sm_resp: [],
  enquire_link: [],
  enquire_link_resp: [],
};

/** Value types of the TLVs decoded by name (§5.3.2). */
type TlvKind = 'u8' | 'u16' | 'cstr' | 'octets';
type TlvName = keyof typeof TlvTag;
const TLV_KINDS: { [N in TlvName]: TlvKind } = {
  receipted_message_id: 'cstr',
  user_message_reference: 'u16',
  sar_msg_ref_num: 'u16',
  sar_total_segments: 'u8',
  sar_segment_seqnum: 'u8',
  sc_interface_version: 'u8',
  network_error_code: 'octets',
  message_payload: 'octets',
  message_state: 'u8',
};
const TLV_NAMES = Object.keys(TlvTag) as TlvName[];
const TLV_NAME_BY_TAG = new Map<number, TlvName>(TLV_NAMES.map((name) => [TlvTag[name], name]));

export interface PduHeader {
  command_length: number;
  command_id: number;
  command_status: number;
  sequence_number: number;
  /** Set when command_id is one we speak. */
  command?: Command;
}

export type DecodeResult =
  | { ok: true; pdu: Pdu }
  | {
      ok: false;
      error: DecodeError;
      /** The header when the buffer holds at least 16 octets, so the caller can answer with the right sequence_number. */
      header?: PduHeader;
    };

/** Reads the 16-octet header (§3.2), or undefined when the buffer is shorter. */
export function readHeader(buffer: Buffer): PduHeader | undefined {
  if (buffer.length < HEADER_LENGTH) return undefined;
  const header: PduHeader = {
    command_length: buffer.readUInt32BE(0),
    command_id: buffer.readUInt32BE(4),
    command_status: buffer.readUInt32BE(8),
    sequence_number: buffer.readUInt32BE(12),
  };
  const command = commandFromId(header.command_id);
  if (command) header.command = command;
  return header;
}

/** Decodes one complete PDU. Never throws: every failure is a value, with the header whenever it was readable. */
export function decodePdu(buffer: Buffer): DecodeResult {
  const header = readHeader(buffer);
  if (!header) {
    return { ok: false, error: decodeError('too_short', CommandStatus.ESME_RINVCMDLEN, `${buffer.length} octets, fewer than a header`) };
  }
  try {
    return decodeBody(buffer, header);
  } catch (cause) {
    // Defence in depth: a bug here must cost one PDU, not the process.
    return { ok: false, header, error: decodeError('internal', CommandStatus.ESME_RSYSERR, `decoder failure: ${String(cause)}`) };
  }
}

class Truncated {
  readonly field: string;
  constructor(field: string) {
    this.field = field;
  }
}

function decodeBody(buffer: Buffer, header: PduHeader): DecodeResult {
  const fail = (code: DecodeErrorCode, status: number, message: string, field?: string): DecodeResult => ({
    ok: false,
    header,
    error: decodeError(code, status, message, field),
  });
  if (header.command_length !== buffer.length) {
    return fail('length_mismatch', CommandStatus.ESME_RINVCMDLEN, `command_length ${header.command_length}, buffer ${buffer.length}`);
  }
  const command = header.command;
  if (command === undefined) {
    // §4.3: an unknown command_id is answered with generic_nack ESME_RINVCMDID.
    return fail('unknown_command', CommandStatus.ESME_RINVCMDID, `unknown command_id 0x${header.command_id.toString(16).padStart(8, '0')}`);
  }
  const end = buffer.length;
  // A response may come without a body: error responses omit it (§4.1.2, §4.4.2: "not returned if command_status
  // is non-zero"), and some ESMEs send deliver_sm_resp as a bare header, its message_id being unused (§4.6.2).
  // An error response's body is not relied upon, so a broken one is tolerated too; a successful one's is not.
  const bodyOptional =
    isResponseId(header.command_id) && (end === HEADER_LENGTH || header.command_status !== 0);
  const fields: Record<string, unknown> = {
    command,
    command_status: header.command_status,
    sequence_number: header.sequence_number,
  };

  let pos = HEADER_LENGTH;
  try {
    for (const [name, kind] of LAYOUTS[command]) {
      if (pos >= end) throw new Truncated(kind === 'sm' ? 'sm_length' : name);
      if (kind === 'u8') {
        fields[name] = buffer[pos++];
      } else if (kind === 'cstr') {
        const nul = buffer.indexOf(0, pos);
        if (nul === -1) throw new Truncated(name);
        fields[name] = buffer.toString('latin1', pos, nul);
        pos = nul + 1;
      } else {
        const smLength = buffer[pos++] ?? 0;
        if (pos + smLength > end) throw new Truncated('short_message');
        // Copied: the frame may be a view into a larger socket chunk that should not stay alive with the PDU.
        fields[name] = Buffer.from(buffer.subarray(pos, pos + smLength));
        pos += smLength;
      }
    }
  } catch (caught) {
    if (!(caught instanceof Truncated)) throw caught;
    if (!bodyOptional) {
      const status = caught.field === 'short_message' ? CommandStatus.ESME_RINVMSGLEN : CommandStatus.ESME_RINVCMDLEN;
      return fail('truncated_body', status, `${caught.field} runs past command_length ${end}`, caught.field);
    }
    pos = end; // the schema's defaults fill the fields that are missing
  }

  // Optional parameters (§3.3, §5.3): tag Int2, length Int2, value; until the end of the PDU.
  while (pos < end) {
    if (end - pos < 4) {
      return fail('bad_tlv', CommandStatus.ESME_RINVOPTPARSTREAM, `${end - pos} stray octets after the last parameter`);
    }
    const tag = buffer.readUInt16BE(pos);
    const length = buffer.readUInt16BE(pos + 2);
    pos += 4;
    if (pos + length > end) {
      return fail('bad_tlv', CommandStatus.ESME_RINVOPTPARSTREAM, `TLV 0x${tag.toString(16)} length ${length} runs past the PDU`);
    }
    const value = buffer.subarray(pos, pos + length);
    pos += length;
    const name = TLV_NAME_BY_TAG.get(tag);
    if (name === undefined) {
      const others = (fields.other_tlvs ??= []) as { tag: number; value: Buffer }[];
      others.push({ tag, value: Buffer.from(value) });
      continue;
    }
    if (name in fields) {
      return fail('bad_tlv', CommandStatus.ESME_RINVOPTPARSTREAM, `TLV ${name} appears twice`, name);
    }
    const decoded = decodeTlvValue(TLV_KINDS[name], value);
    if (decoded === undefined) {
      return fail('bad_tlv', CommandStatus.ESME_RINVPARLEN, `TLV ${name} has length ${length}`, name);
    }
    fields[name] = decoded;
  }

  const parsed = pduSchemas[command].safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] === undefined ? undefined : String(issue.path[0]);
    return fail('invalid_field', statusForField(field), `${field ?? command}: ${issue?.message ?? 'invalid'}`, field);
  }
  return { ok: true, pdu: parsed.data as Pdu };
}

function decodeTlvValue(kind: TlvKind, value: Buffer): string | number | Buffer | undefined {
  switch (kind) {
    case 'u8':
      return value.length === 1 ? value.readUInt8(0) : undefined;
    case 'u16':
      return value.length === 2 ? value.readUInt16BE(0) : undefined;
    case 'cstr': {
      // The NUL is part of the value (§5.3.2.12) but some SMSCs leave it out: accept both.
      const nul = value.indexOf(0);
      return value.toString('latin1', 0, nul === -1 ? value.length : nul);
    }
    case 'octets':
      return Buffer.from(value);
  }
}

function decodeError(code: DecodeErrorCode, status: number, message: string, field?: string): DecodeError {
  const error: DecodeError = { kind: 'decode', code, status, message };
  if (field !== undefined) error.field = field;
  return error;
}

export interface EncodeOptions {
  /** Refuse to build a PDU longer than this (the peer's limit is unknown; ours is the safe default). */
  maxPduLength?: number;
}

/**
 * Validates and encodes one PDU. Throws SmppEncodeError when the PDU breaks a rule: that is a bug in the caller,
 * and nothing half-built is ever returned.
 */
export function encodePdu(input: PduInput, options: EncodeOptions = {}): Buffer {
  const command = input.command;
  const schema = pduSchemas[command] as (typeof pduSchemas)[Command] | undefined;
  if (schema === undefined) throw new SmppEncodeError(String(command), [{ path: 'command', message: 'unknown command' }]);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new SmppEncodeError(
      command,
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  const pdu = parsed.data as Record<string, unknown> & { command_status: number; sequence_number: number };
  const others = (pdu.other_tlvs ?? []) as { tag: number; value: Buffer }[];
  const clash = others.find((t) => TLV_NAME_BY_TAG.has(t.tag));
  if (clash) {
    throw new SmppEncodeError(command, [
      { path: 'other_tlvs', message: `tag 0x${clash.tag.toString(16)} is ${TLV_NAME_BY_TAG.get(clash.tag)}; set it by name` },
    ]);
  }

  // A response with an error status carries no body (§4.1.2, §4.4.2, ...).
  const headerOnly = isResponseId(CommandId[command]) && pdu.command_status !== 0;
  const layout = headerOnly ? [] : LAYOUTS[command];
  const tlvs: { tag: number; value: Buffer }[] = [];
  if (!headerOnly) {
    for (const name of TLV_NAMES) {
      if (layout.some(([field]) => field === name)) continue; // a mandatory field here (query_sm_resp message_state)
      const value = pdu[name];
      if (value !== undefined) tlvs.push({ tag: TlvTag[name], value: encodeTlvValue(TLV_KINDS[name], value) });
    }
    tlvs.push(...others);
  }

  let length = HEADER_LENGTH;
  for (const [name, kind] of layout) {
    const value = pdu[name];
    length += kind === 'u8' ? 1 : kind === 'cstr' ? (value as string).length + 1 : 1 + (value as Buffer).length;
  }
  for (const tlv of tlvs) length += 4 + tlv.value.length;
  const max = options.maxPduLength ?? 0xffffffff;
  if (length > max) {
    throw new SmppEncodeError(command, [{ path: '', message: `PDU of ${length} octets exceeds the maximum of ${max}` }]);
  }

  const buffer = Buffer.allocUnsafe(length);
  buffer.writeUInt32BE(length, 0);
  buffer.writeUInt32BE(CommandId[command], 4);
  buffer.writeUInt32BE(pdu.command_status, 8);
  buffer.writeUInt32BE(pdu.sequence_number, 12);
  let pos = HEADER_LENGTH;
  for (const [name, kind] of layout) {
    const value = pdu[name];
    if (kind === 'u8') {
      buffer[pos++] = value as number;
    } else if (kind === 'cstr') {
      pos += buffer.write(value as string, pos, 'latin1');
      buffer[pos++] = 0;
    } else {
      const message = value as Buffer;
      buffer[pos++] = message.length; // sm_length
      pos += message.copy(buffer, pos);
    }
  }
  for (const tlv of tlvs) {
    buffer.writeUInt16BE(tlv.tag, pos);
    buffer.writeUInt16BE(tlv.value.length, pos + 2);
    pos += 4 + tlv.value.copy(buffer, pos + 4);
  }
  return buffer;
}

function encodeTlvValue(kind: TlvKind, value: unknown): Buffer {
  switch (kind) {
    case 'u8':
      return Buffer.from([value as number]);
    case 'u16': {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(value as number, 0);
      return b;
    }
    case 'cstr':
      return Buffer.from(`${value as string}\0`, 'latin1');
    case 'octets':
      return value as Buffer;
  }
}
