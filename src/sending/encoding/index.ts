/**
 * SMS text encoding: choose GSM-7 or UCS-2, count and split segments, suggest GSM-7 lookalikes,
 * encode/decode SMPP short_message bytes and concatenation UDH. Pure: no I/O.
 *
 * Hand-written rather than `sms-segments-calculator` / `split-sms`: those count segments only, while
 * the hub also needs the byte codecs, the UDH and decoding of incoming submit_sm, and all of them must
 * agree on one alphabet table (a library's table and ours drifting apart would make the preview lie).
 */
export { analyzeSms, findNonGsmCharacters, SEGMENT_LIMITS } from './analyze.ts';
export type { SmsAnalysis, SmsEncoding } from './analyze.ts';
export {
  DATA_CODING,
  decodeGsm7,
  decodeLatin1,
  decodeShortMessage,
  decodeUcs2,
  encodeGsm7,
  encodeUcs2,
  SmsEncodingError,
} from './codecs.ts';
export type { DecodeError, DecodeErrorCode, DecodeResult } from './codecs.ts';
export { GSM_LOOKALIKES, suggestGsmRewrite } from './gsm-safe.ts';
export type { GsmReplacement, GsmRewriteOutcome, GsmRewriteSuggestion } from './gsm-safe.ts';
export {
  GSM7_DEFAULT_ALPHABET,
  GSM7_ESCAPE,
  GSM7_EXTENSION_TABLE,
  gsm7Cost,
  isGsm7Text,
} from './gsm7-alphabet.ts';
export { ESM_CLASS_UDHI, parseUdh, splitForSmpp } from './udh.ts';
export type { ConcatInfo, InformationElement, ParseUdhResult, SmppPart, UdhError, UdhErrorCode } from './udh.ts';
