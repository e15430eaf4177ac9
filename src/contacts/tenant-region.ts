import type { CountryCode } from 'libphonenumber-js/max';
import type { Sql } from '../store/db.ts';
import { tenantSetting } from '../tenancy/tenants.ts';
import { DEFAULT_PHONE_REGION, normalizePhone, toPhoneRegion, type PhoneResult } from './phone.ts';

/** Tenant setting naming the region national phone numbers are read in ("FR", "BE"…). */
export const PHONE_REGION_SETTING = 'phoneRegion';

/** The tenant's phone region from `tenants.settings.phoneRegion`; FR when unset or not a known region. */
export async function tenantPhoneRegion(sql: Sql, tenantId: string): Promise<CountryCode> {
  return toPhoneRegion(await tenantSetting(sql, tenantId, PHONE_REGION_SETTING)) ?? DEFAULT_PHONE_REGION;
}

/**
 * The tenant's region changes rarely and hot paths (every message, every published event) read it:
 * kept a few seconds per process, so a change takes effect within that time.
 */
const CACHE_MS = 5_000;
const regions = new Map<string, { region: CountryCode; until: number }>();

export async function cachedTenantPhoneRegion(sql: Sql, tenantId: string): Promise<CountryCode> {
  const cached = regions.get(tenantId);
  if (cached && cached.until > Date.now()) return cached.region;
  const region = await tenantPhoneRegion(sql, tenantId);
  if (regions.size > 10_000) regions.clear();
  regions.set(tenantId, { region, until: Date.now() + CACHE_MS });
  return region;
}

/**
 * The one rule for a phone that enters the hub or is searched for: E.164, national numbers read in
 * the tenant's region (src/contacts/phone.ts). Every entry point (events, contacts, opt-outs,
 * message filters, SMPP) goes through here or `normalizePhone` with the same region.
 */
export async function normalizeTenantPhone(sql: Sql, tenantId: string, input: string, options: { acceptPossible?: boolean } = {}): Promise<PhoneResult> {
  return normalizePhone(input, await cachedTenantPhoneRegion(sql, tenantId), options);
}

/** `normalizeTenantPhone` over one store, in the shape of the bus's port for `subject.phone` (src/bus/subject-phone.ts). */
export function tenantPhoneNormalizer(sql: Sql): (tenantId: string, input: string, options: { acceptPossible?: boolean }) => Promise<PhoneResult> {
  return (tenantId, input, options) => normalizeTenantPhone(sql, tenantId, input, options);
}
