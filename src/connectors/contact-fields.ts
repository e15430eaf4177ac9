/** The fields every shop connector reads into a contact, checked the same way: phones in E.164 read in the address's country, emails, names, past dates. */
import { normalizePhone, toPhoneRegion } from '../contacts/phone.ts';
import { EmailSchema } from '../contacts/schemas.ts';

export function validEmail(value: string | null | undefined): string | undefined {
  const parsed = EmailSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** E.164 read in the address's country when known; without a country the contacts part reads it in the tenant's region. */
export function phoneOf(phone: string | null | undefined, country: string | null | undefined): string | undefined {
  if (phone === undefined || phone === null || phone.trim() === '') return undefined;
  const region = toPhoneRegion(country ?? undefined);
  if (region === undefined) return phone.trim();
  const result = normalizePhone(phone, region);
  return result.ok ? result.e164 : undefined;
}

export const personName = (value: string | null | undefined) => (value === undefined || value === null ? undefined : value.trim().slice(0, 100) || undefined);

/** An ISO date not in the future (5 minutes of clock skew allowed), or nothing. */
export function validPast(value: unknown, now: Date): string | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getTime() > now.getTime() + 5 * 60_000) return undefined;
  return date.toISOString();
}
