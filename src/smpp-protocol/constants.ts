// SMPP 3.4 numeric constants, by name. Section numbers refer to the SMPP v3.4 specification (Issue 1.2, 1999).

/** command_id values of the PDUs this layer speaks (§5.1.2.1). A response id is the request id with bit 31 set. */
export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

export type Command = keyof typeof CommandId;

const commandById = new Map<number, Command>(
  (Object.entries(CommandId) as [Command, number][]).map(([name, id]) => [id, name]),
);

export function commandFromId(id: number): Command | undefined {
  return commandById.get(id);
}

/** Bit 31 of command_id marks a response (§5.1.2.1). */
export function isResponseId(commandId: number): boolean {
  return (commandId & 0x80000000) !== 0;
}

/** command_status values (§5.1.3) under their SMPP names (ESME_ prefix kept, so they grep like the spec). */
export const CommandStatus = {
  ESME_ROK: 0x00000000,
  ESME_RINVMSGLEN: 0x00000001,
  ESME_RINVCMDLEN: 0x00000002,
  ESME_RINVCMDID: 0x00000003,
  ESME_RINVBNDSTS: 0x00000004,
  ESME_RALYBND: 0x00000005,
  ESME_RINVPRTFLG: 0x00000006,
  ESME_RINVREGDLVFLG: 0x00000007,
  ESME_RSYSERR: 0x00000008,
  ESME_RINVSRCADR: 0x0000000a,
  ESME_RINVDSTADR: 0x0000000b,
  ESME_RINVMSGID: 0x0000000c,
  ESME_RBINDFAIL: 0x0000000d,
  ESME_RINVPASWD: 0x0000000e,
  ESME_RINVSYSID: 0x0000000f,
  ESME_RCANCELFAIL: 0x00000011,
  ESME_RREPLACEFAIL: 0x00000013,
  ESME_RMSGQFUL: 0x00000014,
  ESME_RINVSERTYP: 0x00000015,
  ESME_RINVNUMDESTS: 0x00000033,
  ESME_RINVDLNAME: 0x00000034,
  ESME_RINVDESTFLAG: 0x00000040,
  ESME_RINVSUBREP: 0x00000042,
  ESME_RINVESMCLASS: 0x00000043,
  ESME_RCNTSUBDL: 0x00000044,
  ESME_RSUBMITFAIL: 0x00000045,
  ESME_RINVSRCTON: 0x00000048,
  ESME_RINVSRCNPI: 0x00000049,
  ESME_RINVDSTTON: 0x00000050,
  ESME_RINVDSTNPI: 0x00000051,
  ESME_RINVSYSTYP: 0x00000053,
  ESME_RINVREPFLAG: 0x00000054,
  ESME_RINVNUMMSGS: 0x00000055,
  ESME_RTHROTTLED: 0x00000058,
  ESME_RINVSCHED: 0x00000061,
  ESME_RINVEXPIRY: 0x00000062,
  ESME_RINVDFTMSGID: 0x00000063,
  ESME_RX_T_APPN: 0x00000064,
  ESME_RX_P_APPN: 0x00000065,
  ESME_RX_R_APPN: 0x00000066,
  ESME_RQUERYFAIL: 0x00000067,
  ESME_RINVOPTPARSTREAM: 0x000000c0,
  ESME_ROPTPARNOTALLWD: 0x000000c1,
  ESME_RINVPARLEN: 0x000000c2,
  ESME_RMISSINGOPTPARAM: 0x000000c3,
  ESME_RINVOPTPARAMVAL: 0x000000c4,
  ESME_RDELIVERYFAILURE: 0x000000fe,
  ESME_RUNKNOWNERR: 0x000000ff,
} as const;

export type CommandStatusName = keyof typeof CommandStatus;

const statusNameByCode = new Map<number, CommandStatusName>(
  (Object.entries(CommandStatus) as [CommandStatusName, number][]).map(([name, code]) => [code, name]),
);

/** 'ESME_RTHROTTLED' for 0x58; a hex string for vendor-specific codes (0x400–0x4FF are reserved for SMSC vendors, §5.1.3). */
export function commandStatusName(code: number): string {
  return statusNameByCode.get(code) ?? `0x${code.toString(16).padStart(8, '0')}`;
}

/** Optional parameter tags (§5.3.2). Only these are decoded into named fields; others are kept raw. */
export const TlvTag = {
  receipted_message_id: 0x001e, // §5.3.2.12, C-Octet String max 65
  user_message_reference: 0x0204, // §5.3.2.17, Int2
  sar_msg_ref_num: 0x020c, // §5.3.2.22, Int2
  sar_total_segments: 0x020e, // §5.3.2.23, Int1
  sar_segment_seqnum: 0x020f, // §5.3.2.24, Int1
  sc_interface_version: 0x0210, // §5.3.2.25, Int1 (bind responses)
  network_error_code: 0x0423, // §5.3.2.31, 3 octets
  message_payload: 0x0424, // §5.3.2.32, octet string
  message_state: 0x0427, // §5.3.2.35, Int1
} as const;

/** message_state values (§5.2.28), carried in query_sm_resp and the message_state TLV of receipts. */
export const MessageState = {
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
} as const;

/** esm_class bits (§5.2.12). */
export const EsmClass = {
  /** Message type bits 2–5 = 0001: the short message is an SMSC delivery receipt. */
  DELIVERY_RECEIPT: 0x04,
  MESSAGE_TYPE_MASK: 0x3c,
  /** GSM bit 6: the user data starts with a User Data Header (GSM 03.40 §9.2.3.24). */
  UDHI: 0x40,
  REPLY_PATH: 0x80,
} as const;

/** data_coding values we set explicitly (§5.2.19); never rely on "SMSC default" auto-detection. */
export const DataCoding = {
  SMSC_DEFAULT: 0x00, // GSM 03.38 7-bit default alphabet for most SMSCs
  IA5: 0x01,
  OCTET_UNSPECIFIED_2: 0x02,
  LATIN1: 0x03,
  BINARY: 0x04,
  UCS2: 0x08,
} as const;

/** interface_version 0x34 = SMPP 3.4 (§5.2.4). */
export const INTERFACE_VERSION_34 = 0x34;

/** Sequence numbers run 0x00000001..0x7FFFFFFF (§3.2, sequence_number). */
export const MAX_SEQUENCE_NUMBER = 0x7fffffff;

/** Every PDU starts with a 16-octet header: command_length, command_id, command_status, sequence_number (§3.2). */
export const HEADER_LENGTH = 16;
