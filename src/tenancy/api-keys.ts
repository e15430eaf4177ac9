import { createHash } from 'node:crypto';
import type { Role } from '../gateway/access.ts';
import type { ApiKeyPrincipal } from '../gateway/auth.ts';
import type { Db, Sql } from '../store/db.ts';
import { newId, randomBase62 } from '../ids.ts';

export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** `hub_` + 40 base62 characters (238 bits): long enough that SHA-256 needs no salt or stretching. */
export function generateApiKey(): string {
  return `hub_${randomBase62(40)}`;
}

/** Stores the key's hash; the clear key is returned to the caller once and never stored. */
export async function createApiKey(
  db: Sql,
  tenantId: string,
  name: string,
  key: string = generateApiKey(),
  role: Role = 'admin',
): Promise<{ key: string; info: ApiKeyInfo }> {
  const [row] = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (id, tenant_id, name, key_hash, key_hint, role) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [newId('key'), tenantId, name, hashKey(key), `${key.slice(0, 8)}…`, role],
  );
  return { key, info: toInfo(row!) };
}

export async function listApiKeys(db: Db, tenantId: string): Promise<ApiKeyInfo[]> {
  const rows = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`,
    [tenantId],
  );
  return rows.map(toInfo);
}

export async function getApiKey(db: Db, tenantId: string, keyId: string): Promise<ApiKeyInfo | undefined> {
  const [row] = await db.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2`,
    [tenantId, keyId],
  );
  return row && toInfo(row);
}

export async function countActiveApiKeys(db: Db, tenantId: string): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL', [tenantId]);
  return row!.count;
}

export async function revokeApiKey(db: Db, tenantId: string, keyId: string): Promise<boolean> {
  const rows = await db.query('UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [tenantId, keyId]);
  return rows.length === 1;
}

/**
 * Resolves a presented key to its tenant. `last_used_at` is refreshed at most once a minute so
 * authentication stays one indexed read on the hot path.
 */
export async function authenticateApiKey(db: Db, key: string): Promise<ApiKeyPrincipal | undefined> {
  const [row] = await db.query<{ id: string; tenant_id: string; role: Role; stale: boolean }>(
    `SELECT id, tenant_id, role, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
     FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hashKey(key)],
  );
  if (!row) return undefined;
  if (row.stale) await db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]);
  return { kind: 'api-key', tenantId: row.tenant_id, role: row.role, apiKeyId: row.id };
}

const COLUMNS = 'id, tenant_id, name, role, key_hint, created_at, last_used_at, revoked_at';

type ApiKeyRow = {
  id: string;
  tenant_id: string;
  name: string;
  role: Role;
  key_hint: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

const toInfo = (row: ApiKeyRow): ApiKeyInfo => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  role: row.role,
  hint: row.key_hint,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});
