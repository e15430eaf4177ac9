import type { Db, Sql } from '../store/db.ts';
import { newId } from '../ids.ts';

export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
}

type TenantRow = { id: string; name: string; created_at: Date };

const toTenant = (row: TenantRow): Tenant => ({ id: row.id, name: row.name, createdAt: row.created_at });

export async function createTenant(db: Sql, name: string): Promise<Tenant> {
  const [row] = await db.query<TenantRow>('INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING id, name, created_at', [newId('ten'), name]);
  return toTenant(row!);
}

export async function getTenant(db: Db, id: string): Promise<Tenant | undefined> {
  const [row] = await db.query<TenantRow>('SELECT id, name, created_at FROM tenants WHERE id = $1', [id]);
  return row && toTenant(row);
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  const rows = await db.query<TenantRow>('SELECT id, name, created_at FROM tenants ORDER BY created_at, id');
  return rows.map(toTenant);
}

export async function countTenants(db: Db): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM tenants');
  return row!.count;
}

/** One value of the tenant's `settings` (parsed JSON); undefined when the tenant or the setting is absent. */
export async function tenantSetting(db: Sql, tenantId: string, name: string): Promise<unknown> {
  const [row] = await db.query<{ value: unknown }>('SELECT settings->$2 AS value FROM tenants WHERE id = $1', [tenantId, name]);
  return row?.value ?? undefined;
}

/** Which of `ids` are tenants (one query for a whole batch). */
export async function existingTenants(db: Sql, ids: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>('SELECT id FROM tenants WHERE id = ANY($1::text[])', [ids]);
  return new Set(rows.map((row) => row.id));
}
