/**
 * SQL of SMPP accounts. Every query is scoped to the tenant except `findAccountBySystemId`: a bind
 * names a system_id and no tenant (like an API key), and system_ids are unique across tenants.
 */
import { newId } from '../../ids.ts';
import { isUniqueViolation, type Sql } from '../../store/db.ts';
import type { MessageCategory } from '../../sending/message.ts';
import type { BindType, CreateAccount, PatchAccount, SmppAccount } from './account.ts';
import { generatePassword, hashPassword } from './password.ts';

type AccountRow = {
  id: string;
  tenant_id: string;
  system_id: string;
  password_hash: string;
  bind_types: BindType[];
  allowed_ips: string[];
  max_binds: number;
  throughput_per_second: number | null;
  default_sender: string | null;
  category: MessageCategory;
  enabled: boolean;
  description: string | null;
  created_at: Date;
  updated_at: Date;
};

function toAccount(row: AccountRow): SmppAccount {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    systemId: row.system_id,
    passwordHash: row.password_hash,
    bindTypes: row.bind_types,
    allowedIps: row.allowed_ips,
    maxBinds: row.max_binds,
    throughputPerSecond: row.throughput_per_second,
    defaultSender: row.default_sender,
    category: row.category,
    enabled: row.enabled,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The system_id is taken (by this tenant or another: they are global). */
export class SystemIdTakenError extends Error {
  override name = 'SystemIdTakenError';
  constructor(systemId: string) {
    super(`system_id "${systemId}" is already used by an SMPP account; choose another`);
  }
}

/** Accounts per tenant: each may hold `maxBinds` sessions; a bound on what one tenant can open. */
export const MAX_ACCOUNTS_PER_TENANT = 50;

/** Creates the account; `password` is the generated one when the input had none (show it once). */
export async function createAccount(db: Sql, tenantId: string, input: CreateAccount): Promise<{ account: SmppAccount; password: string | undefined }> {
  const generated = input.password === undefined ? generatePassword() : undefined;
  const passwordHash = await hashPassword(input.password ?? generated!);
  try {
    const [row] = await db.query<AccountRow>(
      `INSERT INTO smpp_accounts (id, tenant_id, system_id, password_hash, bind_types, allowed_ips, max_binds, throughput_per_second, default_sender, category, enabled, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        newId('smp'),
        tenantId,
        input.systemId,
        passwordHash,
        input.bindTypes,
        input.allowedIps,
        input.maxBinds,
        input.throughputPerSecond,
        input.defaultSender,
        input.category,
        input.enabled,
        input.description,
      ],
    );
    return { account: toAccount(row!), password: generated };
  } catch (error) {
    if (isUniqueViolation(error)) throw new SystemIdTakenError(input.systemId);
    throw error;
  }
}

export async function countAccounts(db: Sql, tenantId: string): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM smpp_accounts WHERE tenant_id = $1', [tenantId]);
  return row!.count;
}

export async function listAccounts(db: Sql, tenantId: string): Promise<SmppAccount[]> {
  const rows = await db.query<AccountRow>('SELECT * FROM smpp_accounts WHERE tenant_id = $1 ORDER BY seq', [tenantId]);
  return rows.map(toAccount);
}

export async function getAccount(db: Sql, tenantId: string, id: string): Promise<SmppAccount | undefined> {
  const [row] = await db.query<AccountRow>('SELECT * FROM smpp_accounts WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return row && toAccount(row);
}

/** Across tenants, for binds only. */
export async function findAccountBySystemId(db: Sql, systemId: string): Promise<SmppAccount | undefined> {
  const [row] = await db.query<AccountRow>('SELECT * FROM smpp_accounts WHERE system_id = $1', [systemId]);
  return row && toAccount(row);
}

/** Across tenants, for the gateways' watch of the accounts their sessions are bound with (ids they hold). */
export async function findAccountsByIds(db: Sql, ids: readonly string[]): Promise<SmppAccount[]> {
  const rows = await db.query<AccountRow>('SELECT * FROM smpp_accounts WHERE id = ANY($1::text[])', [[...ids]]);
  return rows.map(toAccount);
}

const PATCH_COLUMNS = {
  bindTypes: 'bind_types',
  allowedIps: 'allowed_ips',
  maxBinds: 'max_binds',
  throughputPerSecond: 'throughput_per_second',
  defaultSender: 'default_sender',
  category: 'category',
  enabled: 'enabled',
  description: 'description',
} as const satisfies Partial<Record<keyof PatchAccount, string>>;

/** Applies the patch; undefined when there is no such account. `password` is set when one was generated. */
export async function updateAccount(db: Sql, tenantId: string, id: string, patch: PatchAccount): Promise<{ account: SmppAccount; password: string | undefined } | undefined> {
  const generated = patch.generatePassword ? generatePassword() : undefined;
  const newPassword = patch.password ?? generated;
  const sets = ['updated_at = now()'];
  const params: unknown[] = [tenantId, id];
  for (const [field, column] of Object.entries(PATCH_COLUMNS) as [keyof typeof PATCH_COLUMNS, string][]) {
    if (patch[field] !== undefined) sets.push(`${column} = $${params.push(patch[field])}`);
  }
  if (newPassword !== undefined) sets.push(`password_hash = $${params.push(await hashPassword(newPassword))}`);
  const [row] = await db.query<AccountRow>(`UPDATE smpp_accounts SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING *`, params);
  return row && { account: toAccount(row), password: generated };
}

export async function deleteAccount(db: Sql, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM smpp_accounts WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id]);
  return rows.length > 0;
}
