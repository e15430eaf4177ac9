/**
 * Phone numbers to E.164 with libphonenumber-js. The `max` metadata is required: the default `min`
 * metadata only checks lengths, so "06 12 34 56 7X" ranges that no operator holds would pass, and
 * `getType()` (mobile or not, which the sending core needs) is only available with `max`.
 */
import { isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export const DEFAULT_PHONE_REGION: CountryCode = 'FR';

/** Why a string is not accepted as a phone number. */
export type PhoneRejection = 'not-a-number' | 'invalid-country' | 'too-short' | 'too-long' | 'invalid-length' | 'not-assigned' | 'extension';

export type PhoneType = NonNullable<ReturnType<PhoneNumber['getType']>>;

export type PhoneResult =
  | { ok: true; e164: string; region: CountryCode | undefined; type: PhoneType | undefined; mobile: boolean }
  | { ok: false; reason: PhoneRejection; message: string };

const REASON_TEXT: Record<PhoneRejection, string> = {
  'not-a-number': 'not a phone number',
  'invalid-country': 'unknown country calling code',
  'too-short': 'too short',
  'too-long': 'too long',
  'invalid-length': 'wrong number of digits',
  'not-assigned': 'no such number in the numbering plan',
  extension: 'extensions cannot receive messages',
};

/**
 * The French numbering zone: the overseas departments share France's national format (leading 0,
 * 10 digits) but have their own country calling codes, and libphonenumber files their ranges under
 * their own region (0692 12 34 56 is a Réunion mobile, +262 692 12 34 56; +33 6 92… is not
 * assigned, per ARCEP's plan). A French shop's customer in Réunion types 0692…, so when a national
 * number has the right length for the tenant's region but is not assigned there, we try the other
 * regions of the zone that share the 10-digit format. Saint-Pierre-et-Miquelon is left out: its
 * 6-digit national numbers would turn a truncated "06 12 34 5" into a valid +508 number.
 */
const FRENCH_ZONE: readonly CountryCode[] = ['FR', 'RE', 'YT', 'GP', 'MQ', 'GF', 'BL', 'MF'];

const MAX_INPUT_LENGTH = 64;

/** Accepts a tenant setting value when it names a region libphonenumber knows ("FR", "be"). */
export function toPhoneRegion(value: unknown): CountryCode | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

function parse(input: string, region: CountryCode): PhoneNumber | undefined {
  // `extract: false`: the whole string must be the number; "call 0612345678" is refused, not mined.
  return parsePhoneNumberFromString(input, { defaultCountry: region, extract: false });
}

function rejectionOf(input: string, region: CountryCode, parsed: PhoneNumber | undefined): PhoneRejection {
  if (!parsed) {
    const length = validatePhoneNumberLength(input, region);
    if (length === 'INVALID_COUNTRY') return 'invalid-country';
    if (length === 'TOO_SHORT') return 'too-short';
    return 'not-a-number';
  }
  switch (validatePhoneNumberLength(input, region)) {
    case 'TOO_SHORT':
      return 'too-short';
    case 'TOO_LONG':
      return 'too-long';
    case 'INVALID_LENGTH':
      return 'invalid-length';
    case 'INVALID_COUNTRY':
      return 'invalid-country';
    case 'NOT_A_NUMBER':
      return 'not-a-number';
    default:
      return 'not-assigned';
  }
}

function accepted(parsed: PhoneNumber): PhoneResult {
  const type = parsed.getType();
  return { ok: true, e164: parsed.number, region: parsed.country, type, mobile: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' };
}

/**
 * Normalizes what a person or a shop typed ("06 12 34 56 78", "+33 (0)6 12 34 56 78",
 * "0033612345678") to E.164 ("+33612345678"). National numbers are read in `region` (the tenant's,
 * default FR). Only numbers valid in the numbering plan are accepted (not merely the right length),
 * so a typo is refused at the edge instead of failing later at the operator.
 *
 * `acceptPossible` also accepts numbers of a plausible length in ranges the metadata does not know
 * yet: the opt-out list uses it, because losing a STOP from a newly opened range is worse than
 * storing an address no message will ever be sent to.
 */
export function normalizePhone(input: string, region: CountryCode = DEFAULT_PHONE_REGION, options: { acceptPossible?: boolean } = {}): PhoneResult {
  const text = input.trim();
  const reject = (reason: PhoneRejection): PhoneResult => ({ ok: false, reason, message: `"${input}" is not a valid phone number for region ${region}: ${REASON_TEXT[reason]}` });
  if (text.length === 0 || text.length > MAX_INPUT_LENGTH) return reject(text.length === 0 ? 'not-a-number' : 'too-long');
  const parsed = parse(text, region);
  if (parsed?.isValid()) return parsed.ext ? reject('extension') : accepted(parsed);
  const international = /^\s*(?:\+|00)/.test(text);
  if (!international && FRENCH_ZONE.includes(region) && parsed?.isPossible() && validatePhoneNumberLength(text, region) === undefined) {
    for (const sibling of FRENCH_ZONE) {
      if (sibling === region) continue;
      const other = parse(text, sibling);
      if (other?.isValid() && !other.ext) return accepted(other);
    }
  }
  if (options.acceptPossible && parsed?.isPossible() && !parsed.ext) return accepted(parsed);
  return reject(rejectionOf(text, region, parsed));
}

/**
 * True when an E.164 (or national, read in `region`) number can receive SMS as far as the numbering
 * plan tells: MOBILE, or FIXED_LINE_OR_MOBILE for plans that do not separate them (US, CA…).
 */
export function isMobile(phone: string, region: CountryCode = DEFAULT_PHONE_REGION): boolean {
  const result = normalizePhone(phone, region);
  return result.ok && result.mobile;
}
