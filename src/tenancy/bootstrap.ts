import type { Db } from '../store/db.ts';
import { createApiKey } from './api-keys.ts';
import { createTenant } from './tenants.ts';

/**
 * HUB_BOOTSTRAP_API_KEY: on a store with no tenant yet, create a "default" tenant whose API key is
 * exactly the given value, so containers and scripts can call the API without a manual step.
 * The advisory lock makes concurrent first starts on PostgreSQL create it once.
 */
export async function bootstrapTenant(db: Db, apiKey: string): Promise<{ tenantId: string } | undefined> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('hub.bootstrap'))`);
    const [existing] = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM tenants');
    if (existing!.count > 0) return undefined;
    const tenant = await createTenant(tx, 'default');
    await createApiKey(tx, tenant.id, 'bootstrap', apiKey, 'owner');
    return { tenantId: tenant.id };
  });
}
