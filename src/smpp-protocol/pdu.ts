// The PDUs this layer speaks, as zod schemas: the single source of their TypeScript types (z.infer) and of the
// checks every decoded PDU passes before anyone relies on it, and every PDU passes before it is encoded.
// Field names are the SMPP 3.4 names, so code reads side by side with the specification.
import { z } from 'zod';
import { CommandStatus, EsmClass, DataCoding, INTERFACE_VERSION_34 } from './constants.ts';
import type { Command } from './constants.ts';

const u8 = z.number().int().min(0).max(0xff);
const u16 = z.number().int().min(0).max(0xffff);
const u32 = z.number().int().min(0).max(0xffffffff);
const octets = z.instanceof(Buffer);

/**
 * C-Octet String (§3.1): at most `max` octets *including* the terminating NUL, so max - 1 characters. Strings are
 * carried as latin1 so every octet survives a decode/encode round trip; NUL cannot occur inside.
 */
function cString(max: number) {
  return z
    .string()
    .max(max - 1)
    .refine(isOctetString, 'octets 0x01-0xff only');
}

function isOctetString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0xff) return false;
  }
  return true;
}

/** Time fields are NULL or 16 characters YYMMDDhhmmsstnnp, p being '+', '-' (absolute) or 'R' (relative) (§7.1.1). */
const smppTime = z.string().regex(/^(\d{15}[+\-R])?$/, 'NULL or YYMMDDhhmmsstnnp');

/** short_message is 0-254 octets; sm_length is derived from it on encode (§4.4.1). */
const shortMessage = octets.refine((b) => b.length <= 254, 'short_message is at most 254 octets');

const header = {
  command_status: u32.default(0),
  sequence_number: u32.default(0),
};

/** The optional parameters (TLVs, §5.3) we use by name; any other TLV is kept verbatim in other_tlvs. */
const tlvs = {
  receipted_message_id: cString(65).optional(),
  message_state: u8.optional(),
  message_payload: octets.refine((b) => b.length <= 0xffff, 'a TLV value is at most 65535 octets').optional(),
  network_error_code: octets.refine((b) => b.length === 3, 'network_error_code is 3 octets').optional(),
  user_message_reference: u16.optional(),
  sar_msg_ref_num: u16.optional(),
  sar_total_segments: u8.optional(),
  sar_segment_seqnum: u8.optional(),
  sc_interface_version: u8.optional(),
  other_tlvs: z
    .array(z.object({ tag: u16, value: octets.refine((b) => b.length <= 0xffff, 'a TLV value is at most 65535 octets') }))
    .optional(),
};

function pdu<C extends Command, S extends z.ZodRawShape>(command: C, shape: S) {
  // Mandatory fields win over a TLV of the same name (query_sm_resp's message_state is a mandatory Int1, §4.8.2);
  // the Omit keeps the TypeScript type in step with that (a generic spread would intersect both).
  return z.object({ command: z.literal(command), ...header, ...(tlvs as Omit<typeof tlvs, keyof S>), ...shape });
}

// §4.1.1: the three bind requests share one body.
const bindBody = {
  system_id: cString(16),
  password: cString(9),
  system_type: cString(13).default(''),
  interface_version: u8.default(INTERFACE_VERSION_34),
  addr_ton: u8.default(0),
  addr_npi: u8.default(0),
  address_range: cString(41).default(''),
};
// §4.1.2: a bind response carries the SMSC's system_id (absent when command_status is an error).
const bindRespBody = { system_id: cString(16).default('') };

// §4.4.1 submit_sm and §4.6.1 deliver_sm have the same body.
const smBody = {
  service_type: cString(6).default(''),
  source_addr_ton: u8.default(0),
  source_addr_npi: u8.default(0),
  source_addr: cString(21).default(''),
  dest_addr_ton: u8.default(0),
  dest_addr_npi: u8.default(0),
  destination_addr: cString(21),
  esm_class: u8.default(0),
  protocol_id: u8.default(0),
  priority_flag: u8.default(0),
  schedule_delivery_time: smppTime.default(''),
  validity_period: smppTime.default(''),
  registered_delivery: u8.default(0),
  replace_if_present_flag: u8.default(0),
  // No default on purpose: the 'smpp' package's auto-detection sends GSM text as IA5 (1); say 0 or 8 explicitly.
  data_coding: u8,
  sm_default_msg_id: u8.default(0),
  short_message: shortMessage.default(() => Buffer.alloc(0)),
};

// §4.7.1: data_sm has no short_message; the user data travels in message_payload. Addresses are up to 65 octets.
const dataSmBody = {
  service_type: cString(6).default(''),
  source_addr_ton: u8.default(0),
  source_addr_npi: u8.default(0),
  source_addr: cString(65).default(''),
  dest_addr_ton: u8.default(0),
  dest_addr_npi: u8.default(0),
  destination_addr: cString(65),
  esm_class: u8.default(0),
  registered_delivery: u8.default(0),
  data_coding: u8,
};

const messageIdBody = { message_id: cString(65).default('') };

/** Message types defined in esm_class bits 2-5 (§5.2.12): default, receipt, delivery ack, user ack, abort, intermediate. */
const ESM_MESSAGE_TYPES = new Set([0x00, 0x04, 0x08, 0x10, 0x18, 0x20]);

interface UserDataFields {
  esm_class: number;
  data_coding: number;
  short_message?: Buffer;
  message_payload?: Buffer | undefined;
}

/** Cross-field rules on the user data of submit_sm, deliver_sm and data_sm. */
function checkUserData(pdu: UserDataFields, ctx: z.RefinementCtx): void {
  if (!ESM_MESSAGE_TYPES.has(pdu.esm_class & EsmClass.MESSAGE_TYPE_MASK)) {
    ctx.addIssue({ code: 'custom', path: ['esm_class'], message: 'reserved message type in esm_class (§5.2.12)' });
  }
  const shortLength = pdu.short_message?.length ?? 0;
  if (pdu.message_payload !== undefined && shortLength > 0) {
    // §5.3.2.32: when message_payload is used, sm_length is 0.
    ctx.addIssue({ code: 'custom', path: ['message_payload'], message: 'message_payload with a non-empty short_message' });
    return;
  }
  const field = pdu.message_payload !== undefined ? 'message_payload' : 'short_message';
  const userData = pdu.message_payload ?? pdu.short_message ?? Buffer.alloc(0);
  let headerLength = 0;
  if ((pdu.esm_class & EsmClass.UDHI) !== 0) {
    // GSM 03.40 §9.2.3.24: the first octet (UDHL) counts the header octets that follow it.
    const udhl = userData[0];
    if (udhl === undefined || udhl + 1 > userData.length) {
      ctx.addIssue({ code: 'custom', path: [field], message: 'UDHI set but the user data header does not fit' });
      return;
    }
    headerLength = udhl + 1;
  }
  if (pdu.data_coding === DataCoding.UCS2 && (userData.length - headerLength) % 2 !== 0) {
    ctx.addIssue({ code: 'custom', path: [field], message: 'UCS-2 text has an odd number of octets' });
  }
}

export const pduSchemas = {
  generic_nack: pdu('generic_nack', {}),
  bind_receiver: pdu('bind_receiver', bindBody),
  bind_receiver_resp: pdu('bind_receiver_resp', bindRespBody),
  bind_transmitter: pdu('bind_transmitter', bindBody),
  bind_transmitter_resp: pdu('bind_transmitter_resp', bindRespBody),
  bind_transceiver: pdu('bind_transceiver', bindBody),
  bind_transceiver_resp: pdu('bind_transceiver_resp', bindRespBody),
  // §4.8: query_sm source_addr is up to 21 octets; final_date is a time field.
  query_sm: pdu('query_sm', {
    message_id: cString(65),
    source_addr_ton: u8.default(0),
    source_addr_npi: u8.default(0),
    source_addr: cString(21).default(''),
  }),
  query_sm_resp: pdu('query_sm_resp', {
    message_id: cString(65).default(''),
    final_date: smppTime.default(''),
    message_state: u8.default(0),
    error_code: u8.default(0),
  }),
  submit_sm: pdu('submit_sm', smBody).superRefine(checkUserData),
  submit_sm_resp: pdu('submit_sm_resp', messageIdBody),
  deliver_sm: pdu('deliver_sm', smBody).superRefine(checkUserData),
  // §4.6.2 says deliver_sm_resp's message_id is unused (NULL); some SMSCs fill it, so it is accepted.
  deliver_sm_resp: pdu('deliver_sm_resp', messageIdBody),
  data_sm: pdu('data_sm', dataSmBody).superRefine(checkUserData),
  data_sm_resp: pdu('data_sm_resp', messageIdBody),
  unbind: pdu('unbind', {}),
  unbind_resp: pdu('unbind_resp', {}),
  // §4.9.1
  cancel_sm: pdu('cancel_sm', {
    service_type: cString(6).default(''),
    message_id: cString(65),
    source_addr_ton: u8.default(0),
    source_addr_npi: u8.default(0),
    source_addr: cString(21).default(''),
    dest_addr_ton: u8.default(0),
    dest_addr_npi: u8.default(0),
    destination_addr: cString(21).default(''),
  }),
  cancel_sm_resp: pdu('cancel_sm_resp', {}),
  enquire_link: pdu('enquire_link', {}),
  enquire_link_resp: pdu('enquire_link_resp', {}),
} satisfies { [C in Command]: z.ZodType<{ command: C }> };

type Schemas = typeof pduSchemas;

/** A decoded (validated, defaults filled) PDU. */
export type PduOf<C extends Command> = z.output<Schemas[C]>;
/** What callers write to build a PDU: fields with a default may be left out. */
export type PduInputOf<C extends Command> = z.input<Schemas[C]>;

export type Pdu = { [C in Command]: PduOf<C> }[Command];
export type PduInput = { [C in Command]: PduInputOf<C> }[Command];

export type RequestCommand =
  | 'bind_receiver'
  | 'bind_transmitter'
  | 'bind_transceiver'
  | 'query_sm'
  | 'submit_sm'
  | 'deliver_sm'
  | 'data_sm'
  | 'unbind'
  | 'cancel_sm'
  | 'enquire_link';
export type ResponseCommand = Exclude<Command, RequestCommand>;

/** The response command that answers request command C (bit 31 set, §5.1.2.1). */
export type ResponseCommandFor<C extends RequestCommand> = `${C}_resp`;

export type RequestPdu = PduOf<RequestCommand>;
export type ResponsePdu = PduOf<ResponseCommand>;
export type GenericNack = PduOf<'generic_nack'>;

const REQUEST_COMMANDS: ReadonlySet<Command> = new Set<RequestCommand>([
  'bind_receiver',
  'bind_transmitter',
  'bind_transceiver',
  'query_sm',
  'submit_sm',
  'deliver_sm',
  'data_sm',
  'unbind',
  'cancel_sm',
  'enquire_link',
]);

export function isRequest(pdu: Pdu): pdu is RequestPdu {
  return REQUEST_COMMANDS.has(pdu.command);
}

export function isRequestCommand(command: Command): command is RequestCommand {
  return REQUEST_COMMANDS.has(command);
}

export function responseCommandFor<C extends RequestCommand>(command: C): ResponseCommandFor<C> {
  return `${command}_resp`;
}

/**
 * The command_status that tells the peer which field was wrong (§5.1.3), for a validation issue on `field`.
 * A request that fails validation is answered with its own response carrying this status.
 */
export function statusForField(field: string | undefined): number {
  switch (field) {
    case 'system_id':
      return CommandStatus.ESME_RINVSYSID;
    case 'password':
      return CommandStatus.ESME_RINVPASWD;
    case 'system_type':
      return CommandStatus.ESME_RINVSYSTYP;
    case 'service_type':
      return CommandStatus.ESME_RINVSERTYP;
    case 'source_addr':
      return CommandStatus.ESME_RINVSRCADR;
    case 'destination_addr':
      return CommandStatus.ESME_RINVDSTADR;
    case 'source_addr_ton':
      return CommandStatus.ESME_RINVSRCTON;
    case 'source_addr_npi':
      return CommandStatus.ESME_RINVSRCNPI;
    case 'dest_addr_ton':
      return CommandStatus.ESME_RINVDSTTON;
    case 'dest_addr_npi':
      return CommandStatus.ESME_RINVDSTNPI;
    case 'esm_class':
      return CommandStatus.ESME_RINVESMCLASS;
    case 'priority_flag':
      return CommandStatus.ESME_RINVPRTFLG;
    case 'registered_delivery':
      return CommandStatus.ESME_RINVREGDLVFLG;
    case 'replace_if_present_flag':
      return CommandStatus.ESME_RINVREPFLAG;
    case 'schedule_delivery_time':
      return CommandStatus.ESME_RINVSCHED;
    case 'validity_period':
      return CommandStatus.ESME_RINVEXPIRY;
    case 'sm_default_msg_id':
      return CommandStatus.ESME_RINVDFTMSGID;
    case 'message_id':
      return CommandStatus.ESME_RINVMSGID;
    case 'short_message':
    case 'message_payload':
      return CommandStatus.ESME_RINVMSGLEN;
    case 'receipted_message_id':
    case 'message_state':
    case 'network_error_code':
    case 'user_message_reference':
    case 'sar_msg_ref_num':
    case 'sar_total_segments':
    case 'sar_segment_seqnum':
    case 'sc_interface_version':
    case 'other_tlvs':
      return CommandStatus.ESME_RINVOPTPARAMVAL;
    default:
      return CommandStatus.ESME_RSYSERR;
  }
}
