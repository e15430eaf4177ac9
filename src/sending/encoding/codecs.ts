import { defaultSeptetOf, extensionSeptetOf, GSM7_DEFAULT_ALPHABET, GSM7_ESCAPE, GSM7_EXTENSION_TABLE } from './gsm7-alphabet.ts';

/**
 * Byte codecs for the SMPP `short_message` / `message_payload` fields.
 *
 * GSM-7 on SMPP is one septet per octet (unpacked): the SMSC packs septets for the air interface.
 * UCS-2 is sent as UTF-16BE; operators and handsets accept surrogate pairs, which is how emoji travel.
 *
 * Encoders work on our own outgoing text and throw `SmsEncodingError` when handed a character the
 * encoding cannot carry (a caller bug: `analyzeSms` chooses the encoding first). Decoders read bytes
 * from the network, so they never throw: they return a `DecodeResult`.
 */

/** SMPP 3.4 §5.2.19 data_coding values the hub speaks. */
export const DATA_CODING = { gsm7: 0, latin1: 3, ucs2: 8 } as const;

export class SmsEncodingError extends Error {
  override readonly name = 'SmsEncodingError';
}

export type DecodeErrorCode = 'invalid-gsm7-octet' | 'odd-ucs2-length' | 'unsupported-data-coding';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
}

export type DecodeResult = { ok: true; text: string } | { ok: false; error: DecodeError };

function codePointLabel(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** GSM 03.38 text → unpacked septets (data_coding 0). Extension characters become 0x1B + septet. */
export function encodeGsm7(text: string): Buffer {
  const septets: number[] = [];
  let index = 0;
  for (const char of text) {
    const septet = defaultSeptetOf(char);
    if (septet !== undefined) {
      septets.push(septet);
    } else {
      const extension = extensionSeptetOf(char);
      if (extension === undefined) {
        throw new SmsEncodingError(
          `"${char}" (${codePointLabel(char)}) at index ${index} is not in the GSM 03.38 alphabet: send this text as UCS-2 (analyzeSms chooses the encoding)`,
        );
      }
      septets.push(GSM7_ESCAPE, extension);
    }
    index += char.length;
  }
  return Buffer.from(septets);
}

/**
 * Unpacked septets → text. Deterministic rules for bytes a sender should not have produced, following
 * 3GPP TS 23.038 §6.2.1.1 where it says what a receiver displays:
 * - escape + septet not in the extension table → the default-alphabet character of that septet
 *   ("the MS shall display the character shown in the main default 7 bit alphabet table");
 * - escape + escape (reserved for a further extension table) → a space ("display a space");
 * - escape as the last byte (a sender split an escape pair) → a space, as a receiver unaware of the
 *   extension mechanism shows it. Reassemble concatenated parts before decoding so this cannot happen
 *   with well-formed UDH parts;
 * - an octet ≥ 0x80 cannot be a septet: error `invalid-gsm7-octet` (usually Latin-1 sent as data_coding 0).
 */
export function decodeGsm7(bytes: Uint8Array): DecodeResult {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte > 0x7f) return invalidGsm7Octet(byte, i);
    if (byte !== GSM7_ESCAPE) {
      text += GSM7_DEFAULT_ALPHABET[byte];
      continue;
    }
    if (i + 1 >= bytes.length) {
      text += ' ';
      continue;
    }
    const next = bytes[++i] as number;
    if (next > 0x7f) return invalidGsm7Octet(next, i);
    if (next === GSM7_ESCAPE) text += ' ';
    else text += GSM7_EXTENSION_TABLE.get(next) ?? GSM7_DEFAULT_ALPHABET[next];
  }
  return { ok: true, text };
}

function invalidGsm7Octet(byte: number, offset: number): DecodeResult {
  return {
    ok: false,
    error: {
      code: 'invalid-gsm7-octet',
      message: `octet 0x${byte.toString(16).padStart(2, '0')} at offset ${offset} is not a GSM 03.38 septet (data_coding 0 carries one septet per octet, 0x00–0x7F); Latin-1 text must be sent with data_coding 3`,
    },
  };
}

/** Text → UTF-16BE (data_coding 8). Lone surrogates are written as they are, one code unit each. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/**
 * UTF-16BE → text. An odd length cannot be UCS-2: error `odd-ucs2-length` rather than a guessed last
 * character. A lone surrogate (a sender split a pair across parts) is kept as that code unit, so
 * joining decoded parts still restores the pair.
 */
export function decodeUcs2(bytes: Uint8Array): DecodeResult {
  if (bytes.length % 2 !== 0) {
    return {
      ok: false,
      error: {
        code: 'odd-ucs2-length',
        message: `UCS-2 text has ${bytes.length} octets, an odd number: every character is 2 octets (UTF-16BE)`,
      },
    };
  }
  let text = '';
  for (let i = 0; i < bytes.length; i += 2) {
    text += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  }
  return { ok: true, text };
}

/** ISO-8859-1 (data_coding 3): every octet is the code point of the same value, so it cannot fail. */
export function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** SMPP 3.4 §5.2.19 names, for error messages about codings the hub does not decode. */
const DATA_CODING_NAMES: Record<number, string> = {
  1: 'IA5/ASCII',
  2: '8-bit binary',
  4: '8-bit binary',
  5: 'JIS',
  6: 'Cyrillic',
  7: 'Latin/Hebrew',
  9: 'pictogram',
  10: 'ISO-2022-JP',
  13: 'extended Kanji JIS',
  14: 'KS C 5601',
};

/**
 * Decode a `short_message` (without its UDH) by `data_coding`. The hub speaks 0 (GSM 03.38, unpacked),
 * 3 (Latin-1) and 8 (UCS-2); anything else is an `unsupported-data-coding` error naming the value.
 * data_coding 1 (IA5) is refused rather than guessed: senders disagree on it (the `smpp` npm package
 * puts GSM 03.38 septets there, others ASCII), and '@', '$', '_', brackets and more differ between the two.
 */
export function decodeShortMessage(bytes: Uint8Array, dataCoding: number): DecodeResult {
  switch (dataCoding) {
    case DATA_CODING.gsm7:
      return decodeGsm7(bytes);
    case DATA_CODING.latin1:
      return { ok: true, text: decodeLatin1(bytes) };
    case DATA_CODING.ucs2:
      return decodeUcs2(bytes);
    default: {
      const hex = `0x${dataCoding.toString(16).padStart(2, '0')}`;
      const name = DATA_CODING_NAMES[dataCoding];
      return {
        ok: false,
        error: {
          code: 'unsupported-data-coding',
          message: `data_coding ${hex}${name ? ` (${name})` : ''} is not supported: send text with data_coding 0 (GSM 03.38), 3 (Latin-1) or 8 (UCS-2)`,
        },
      };
    }
  }
}
