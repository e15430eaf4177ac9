import type { CountryCode } from 'libphonenumber-js/max';
import type { Sql } from '../store/db.ts';
import { DEFAULT_PHONE_REGION, toPhoneRegion } from './phone.ts';

/** Tenant setting naming the region national phone numbers are read in ("FR", "BE"…). */
export const PHONE_REGION_SETTING = 'phoneRegion';

/** The tenant's phone region from `tenants.settings.phoneRegion`; FR when unset or not a known region. */
export async function tenantPhoneRegion(sql: Sql, tenantId: string): Promise<CountryCode> {
  const [row] = await sql.query<{ region: string | null }>(`SELECT settings->>'${PHONE_REGION_SETTING}' AS region FROM tenants WHERE id = $1`, [tenantId]);
  return toPhoneRegion(row?.region) ?? DEFAULT_PHONE_REGION;
}
