import { analyzeSms } from './analyze.ts';
import { DATA_CODING, encodeGsm7, encodeUcs2, SmsEncodingError } from './codecs.ts';

/**
 * Concatenated SMS over SMPP: each part's `short_message` starts with a User Data Header and the
 * submit_sm sets esm_class bit 0x40 (UDHI). UDH layout from 3GPP TS 23.040 §9.2.3.24:
 * UDHL, then information elements (IEI, IEDL, data). Concatenation is IEI 0x00 (8-bit reference,
 * §9.2.3.24.1) or IEI 0x08 (16-bit reference, §9.2.3.24.8), each holding reference, total, sequence.
 * We send the 8-bit form (6 octets: 05 00 03 ref total seq), the one Adobe Campaign and most SMSCs
 * send, and accept both.
 */

/** esm_class bit telling the SMSC that short_message begins with a UDH (SMPP 3.4 §5.2.12). */
export const ESM_CLASS_UDHI = 0x40;

const IEI_CONCAT_8BIT = 0x00;
const IEI_CONCAT_16BIT = 0x08;

export interface SmppPart {
  dataCoding: 0 | 8;
  /** Set esm_class |= ESM_CLASS_UDHI when true. */
  esmClassUdhi: boolean;
  shortMessage: Buffer;
}

/**
 * Encode `text` into submit_sm parts, in sequence order. One segment → one part without UDH;
 * more → UDH `05 00 03 ref total seq` on each part. `reference` (0–255) must differ between
 * concurrent long messages to the same recipient, so the handset does not mix their parts.
 * Throws `SmsEncodingError` on empty text, a bad reference, or more than 255 segments (the UDH
 * counts parts in one octet).
 */
export function splitForSmpp(text: string, reference: number): SmppPart[] {
  if (!Number.isInteger(reference) || reference < 0 || reference > 0xff) {
    throw new SmsEncodingError(`concatenation reference must be an integer 0–255, got ${reference}`);
  }
  const analysis = analyzeSms(text);
  if (analysis.segmentCount === 0) throw new SmsEncodingError('cannot encode an empty SMS: reject empty text before sending');
  if (analysis.segmentCount > 0xff) {
    throw new SmsEncodingError(`text needs ${analysis.segmentCount} segments; a concatenated SMS has at most 255`);
  }
  const dataCoding = analysis.encoding === 'GSM-7' ? DATA_CODING.gsm7 : DATA_CODING.ucs2;
  const encode = analysis.encoding === 'GSM-7' ? encodeGsm7 : encodeUcs2;
  if (analysis.segmentCount === 1) {
    return [{ dataCoding, esmClassUdhi: false, shortMessage: encode(text) }];
  }
  const total = analysis.segmentCount;
  return analysis.parts.map((part, index) => ({
    dataCoding,
    esmClassUdhi: true,
    shortMessage: Buffer.concat([Buffer.from([0x05, IEI_CONCAT_8BIT, 0x03, reference, total, index + 1]), encode(part)]),
  }));
}

export interface ConcatInfo {
  reference: number;
  total: number;
  /** 1-based. */
  sequence: number;
  referenceBits: 8 | 16;
}

export interface InformationElement {
  iei: number;
  data: Buffer;
}

export type UdhErrorCode =
  | 'empty-message'
  | 'udh-length-exceeds-message'
  | 'ie-length-exceeds-udh'
  | 'invalid-concat-ie-length'
  | 'concat-total-zero'
  | 'concat-sequence-out-of-range';

export interface UdhError {
  code: UdhErrorCode;
  message: string;
}

export type ParseUdhResult =
  | {
      ok: true;
      /** Concatenation info, absent when the UDH has no concatenation element. */
      udh?: ConcatInfo;
      /** Every IE in order, concatenation included (e.g. to refuse national language shifts 0x24/0x25). */
      elements: InformationElement[];
      /** The user data after the UDH, still encoded (a view on the input). */
      payload: Buffer;
    }
  | { ok: false; error: UdhError };

type UdhFailure = Extract<ParseUdhResult, { ok: false }>;

function fail(code: UdhErrorCode, message: string): UdhFailure {
  return { ok: false, error: { code, message } };
}

/**
 * Split a `short_message` whose esm_class has UDHI into UDH and payload. Never throws: a malformed
 * header from a remote ESME is an error result, for the SMPP server to answer (e.g. ESME_RINVESMCLASS)
 * without touching the session. Unknown IEs are skipped; when a concatenation IE occurs more than once
 * the last one wins (TS 23.040 §9.2.3.24: "the last occurrence of the IE shall be used").
 * Reassemble by concatenating the payloads in sequence order, then decode once: a sender that splits
 * an escape or surrogate pair across parts is then still decoded right.
 */
export function parseUdh(shortMessage: Uint8Array): ParseUdhResult {
  const bytes = Buffer.from(shortMessage.buffer, shortMessage.byteOffset, shortMessage.byteLength);
  if (bytes.length === 0) return fail('empty-message', 'short_message is empty but esm_class announces a UDH');
  const udhLength = bytes[0] as number;
  const end = 1 + udhLength;
  if (end > bytes.length) {
    return fail(
      'udh-length-exceeds-message',
      `UDH length ${udhLength} needs ${end} octets but short_message has ${bytes.length}`,
    );
  }
  const elements: InformationElement[] = [];
  let udh: ConcatInfo | undefined;
  let offset = 1;
  while (offset < end) {
    if (offset + 2 > end) {
      return fail('ie-length-exceeds-udh', `information element at UDH offset ${offset} is cut off by the UDH length ${udhLength}`);
    }
    const iei = bytes[offset] as number;
    const length = bytes[offset + 1] as number;
    const dataStart = offset + 2;
    if (dataStart + length > end) {
      return fail(
        'ie-length-exceeds-udh',
        `information element 0x${iei.toString(16).padStart(2, '0')} declares ${length} octets but only ${end - dataStart} remain in the UDH`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + length);
    elements.push({ iei, data });
    if (iei === IEI_CONCAT_8BIT || iei === IEI_CONCAT_16BIT) {
      const parsed = parseConcat(iei, data);
      if ('ok' in parsed) return parsed;
      udh = parsed;
    }
    offset = dataStart + length;
  }
  return udh ? { ok: true, udh, elements, payload: bytes.subarray(end) } : { ok: true, elements, payload: bytes.subarray(end) };
}

function parseConcat(iei: number, data: Buffer): ConcatInfo | UdhFailure {
  const sixteen = iei === IEI_CONCAT_16BIT;
  const expected = sixteen ? 4 : 3;
  if (data.length !== expected) {
    return fail(
      'invalid-concat-ie-length',
      `concatenation element 0x0${iei} must hold ${expected} octets (reference, total, sequence), got ${data.length}`,
    );
  }
  const reference = sixteen ? data.readUInt16BE(0) : (data[0] as number);
  const total = data[expected - 2] as number;
  const sequence = data[expected - 1] as number;
  if (total === 0) return fail('concat-total-zero', 'concatenation element announces 0 parts');
  if (sequence === 0 || sequence > total) {
    return fail('concat-sequence-out-of-range', `concatenation sequence ${sequence} is outside 1–${total}`);
  }
  return { reference, total, sequence, referenceBits: sixteen ? 16 : 8 };
}
