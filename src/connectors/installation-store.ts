import type { Sql } from '../store/db.ts';
import type { Installation, InstallationStatus, JsonObject } from './connector.ts';

type InstallationRow = {
  id: string;
  tenant_id: string;
  connector: string;
  account: string;
  status: InstallationStatus;
  settings: JsonObject;
  rules: JsonObject;
  credentials_sealed: string | null;
  state: JsonObject;
  last_error: string | null;
  last_reconciled_at: Date | null;
  installed_at: Date | null;
  uninstalled_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS =
  'id, tenant_id, connector, account, status, settings, rules, credentials_sealed, state, last_error, last_reconciled_at, installed_at, uninstalled_at, created_at, updated_at';

export type StoredInstallation = Installation & { credentialsSealed: string | null };

const toInstallation = (row: InstallationRow): StoredInstallation => ({
  id: row.id,
  tenantId: row.tenant_id,
  connector: row.connector,
  account: row.account,
  status: row.status,
  settings: row.settings,
  rules: row.rules,
  state: row.state,
  credentialsSealed: row.credentials_sealed,
  lastError: row.last_error,
  lastReconciledAt: row.last_reconciled_at,
  installedAt: row.installed_at,
  uninstalledAt: row.uninstalled_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function getInstallation(sql: Sql, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<StoredInstallation | undefined> {
  const [row] = await sql.query<InstallationRow>(`SELECT ${COLUMNS} FROM connector_installations WHERE tenant_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`, [tenantId, id]);
  return row && toInstallation(row);
}

/** For public routes, which learn the tenant from the installation named in their path. */
export async function getInstallationById(sql: Sql, id: string): Promise<StoredInstallation | undefined> {
  const [row] = await sql.query<InstallationRow>(`SELECT ${COLUMNS} FROM connector_installations WHERE id = $1`, [id]);
  return row && toInstallation(row);
}

export async function findInstallationByAccount(sql: Sql, tenantId: string, connector: string, account: string): Promise<StoredInstallation | undefined> {
  const [row] = await sql.query<InstallationRow>(`SELECT ${COLUMNS} FROM connector_installations WHERE tenant_id = $1 AND connector = $2 AND account = $3`, [
    tenantId,
    connector,
    account,
  ]);
  return row && toInstallation(row);
}

/** Newest first; uninstalled ones only when asked. */
export async function listInstallations(sql: Sql, tenantId: string, connector: string, options: { includeUninstalled: boolean }): Promise<StoredInstallation[]> {
  const rows = await sql.query<InstallationRow>(
    `SELECT ${COLUMNS} FROM connector_installations WHERE tenant_id = $1 AND connector = $2 ${options.includeUninstalled ? '' : `AND status <> 'uninstalled'`} ORDER BY seq DESC LIMIT 200`,
    [tenantId, connector],
  );
  return rows.map(toInstallation);
}

/** Every installation to reconcile at start: all tenants, every status but uninstalled. */
export async function liveInstallations(sql: Sql): Promise<{ id: string; tenantId: string; connector: string }[]> {
  const rows = await sql.query<{ id: string; tenant_id: string; connector: string }>(
    `SELECT id, tenant_id, connector FROM connector_installations WHERE status <> 'uninstalled' ORDER BY seq`,
  );
  return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, connector: row.connector }));
}

export async function insertInstallation(
  sql: Sql,
  values: { id: string; tenantId: string; connector: string; account: string; settings: JsonObject; rules: JsonObject; credentialsSealed: string },
): Promise<void> {
  await sql.query(
    `INSERT INTO connector_installations (id, tenant_id, connector, account, status, settings, rules, credentials_sealed)
     VALUES ($1, $2, $3, $4, 'installing', $5::jsonb, $6::jsonb, $7)`,
    [values.id, values.tenantId, values.connector, values.account, JSON.stringify(values.settings), JSON.stringify(values.rules), values.credentialsSealed],
  );
}

export interface InstallationPatch {
  status?: InstallationStatus;
  settings?: JsonObject;
  rules?: JsonObject;
  credentialsSealed?: string;
  state?: JsonObject;
  lastError?: string | null;
  lastReconciledAt?: Date;
  installedAt?: Date;
  uninstalledAt?: Date | null;
}

const PATCH_COLUMNS: Record<keyof InstallationPatch, [column: string, cast: string]> = {
  status: ['status', ''],
  settings: ['settings', '::jsonb'],
  rules: ['rules', '::jsonb'],
  credentialsSealed: ['credentials_sealed', ''],
  state: ['state', '::jsonb'],
  lastError: ['last_error', ''],
  lastReconciledAt: ['last_reconciled_at', '::timestamptz'],
  installedAt: ['installed_at', '::timestamptz'],
  uninstalledAt: ['uninstalled_at', '::timestamptz'],
};

export async function updateInstallation(sql: Sql, tenantId: string, id: string, patch: InstallationPatch): Promise<void> {
  const params: unknown[] = [tenantId, id];
  const sets = ['updated_at = now()'];
  for (const [key, value] of Object.entries(patch) as [keyof InstallationPatch, unknown][]) {
    if (value === undefined) continue;
    const [column, cast] = PATCH_COLUMNS[key];
    params.push(cast === '::jsonb' ? JSON.stringify(value) : value);
    sets.push(`${column} = $${params.length}${cast}`);
  }
  // Every save of the credentials is a new version (the token refresh saves only over the version it read).
  if (patch.credentialsSealed !== undefined) sets.push('credentials_version = credentials_version + 1', 'refresh_lease_owner = NULL', 'refresh_lease_until = NULL');
  await sql.query(`UPDATE connector_installations SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2`, params);
}

export async function deleteInstallation(sql: Sql, tenantId: string, id: string): Promise<void> {
  await sql.query('DELETE FROM connector_installations WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
}
