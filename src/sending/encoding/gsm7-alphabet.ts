/**
 * The GSM 7-bit default alphabet and its extension table, as data.
 *
 * Source: 3GPP TS 23.038 (ETSI TS 123 038) V16.0.0, §6.2.1 "GSM 7 bit Default Alphabet" and §6.2.1.1
 * "GSM 7 bit default alphabet extension table" (the same tables as GSM 03.38 / ETSI TS 100 900).
 * National language shift tables (§6.2.1.2) are deliberately absent: Adobe Campaign and the operators
 * we route to use data_coding 0 without them (docs: shared/reference/smpp-and-adobe-campaign.md).
 *
 * 0x09 is 'Ç' (capital C cedilla), the glyph the ETSI/3GPP table shows. The Unicode Consortium's
 * mapping file (unicode.org/Public/MAPPINGS/ETSI/GSM0338.TXT) "corrects" it to lowercase 'ç', and
 * handsets disagree (some render 0x09 as 'ç', others as 'Ç'), so a lowercase 'ç' is NOT treated as
 * GSM here: it forces UCS-2 and is never silently sent as a byte that may display as 'Ç'.
 */

/** The escape septet that selects the extension table for the next septet. */
export const GSM7_ESCAPE = 0x1b;

/**
 * The default alphabet, 16 septets per row; the index in the joined string is the septet value.
 * Position 0x1B holds U+001B only as a placeholder: it is the escape, never a character.
 */
const DEFAULT_ROWS = [
  '@£$¥èéùìòÇ\nØø\rÅå', // 0x00–0x0F
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ', // 0x10–0x1F (Greek capitals, U+0394… not Latin lookalikes)
  ' !"#¤%&\'()*+,-./', // 0x20–0x2F (0x24 is ¤ CURRENCY SIGN; '$' is 0x02)
  '0123456789:;<=>?', // 0x30–0x3F
  '¡ABCDEFGHIJKLMNO', // 0x40–0x4F (0x40 is ¡; '@' is 0x00)
  'PQRSTUVWXYZÄÖÑÜ§', // 0x50–0x5F ('[' '\' ']' '^' '_' live elsewhere)
  '¿abcdefghijklmno', // 0x60–0x6F
  'pqrstuvwxyzäöñüà', // 0x70–0x7F
] as const;

/** `GSM7_DEFAULT_ALPHABET[septet]` is the character; index 0x1B is the escape placeholder. */
export const GSM7_DEFAULT_ALPHABET: readonly string[] = [...DEFAULT_ROWS.join('')];

/**
 * Extension table: septet after an escape → character. Each costs two septets on the air.
 * 0x0A is the page break, mapped to U+000C FORM FEED (handsets without the extension show a line feed).
 * 0x0D (CR2, reserved control) and 0x1B (escape to a further table) have no character.
 */
export const GSM7_EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const DEFAULT_SEPTET_OF = new Map<string, number>();
GSM7_DEFAULT_ALPHABET.forEach((char, septet) => {
  if (septet !== GSM7_ESCAPE) DEFAULT_SEPTET_OF.set(char, septet);
});

const EXTENSION_SEPTET_OF = new Map<string, number>();
for (const [septet, char] of GSM7_EXTENSION_TABLE) EXTENSION_SEPTET_OF.set(char, septet);

/** The septet of a default-alphabet character, or undefined. */
export function defaultSeptetOf(char: string): number | undefined {
  return DEFAULT_SEPTET_OF.get(char);
}

/** The septet (after the escape) of an extension-table character, or undefined. */
export function extensionSeptetOf(char: string): number | undefined {
  return EXTENSION_SEPTET_OF.get(char);
}

/**
 * How many septets one character (one code point) costs in GSM-7: 1 for the default alphabet,
 * 2 for the extension table (escape + septet), undefined when it cannot be sent in GSM-7.
 */
export function gsm7Cost(char: string): 1 | 2 | undefined {
  if (DEFAULT_SEPTET_OF.has(char)) return 1;
  if (EXTENSION_SEPTET_OF.has(char)) return 2;
  return undefined;
}

/** True when every code point of `text` is in the default alphabet or its extension table. */
export function isGsm7Text(text: string): boolean {
  for (const char of text) if (gsm7Cost(char) === undefined) return false;
  return true;
}
