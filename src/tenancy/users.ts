import type { Role } from '../gateway/access.ts';
import { ConflictError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { isUniqueViolation, type Db, type Sql } from '../store/db.ts';

export interface User {
  id: string;
  tenantId: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: Date;
}

type UserRow = { id: string; tenant_id: string; email: string; name: string | null; role: Role; created_at: Date };

const COLUMNS = 'id, tenant_id, email, name, role, created_at';

const toUser = (row: UserRow): User => ({ id: row.id, tenantId: row.tenant_id, email: row.email, name: row.name, role: row.role, createdAt: row.created_at });

/** Emails compare without case or surrounding spaces: "Anne@Shop.fr " signs in as anne@shop.fr. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const TAKEN = 'This email already has an account on this hub (one account per email): sign in with it, or use another email.';

export async function emailTaken(db: Sql, email: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM users WHERE email = $1', [normalizeEmail(email)]);
  return rows.length > 0;
}

export async function createUser(db: Sql, input: { tenantId: string; email: string; name?: string | undefined; role: Role; passwordHash: string }): Promise<User> {
  try {
    const [row] = await db.query<UserRow>(
      `INSERT INTO users (id, tenant_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [newId('usr'), input.tenantId, normalizeEmail(input.email), input.name ?? null, input.role, input.passwordHash],
    );
    return toUser(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(TAKEN);
    throw error;
  }
}

export { TAKEN as EMAIL_TAKEN };

/** The account an email signs in to, with its password hash (for sign-in only). */
export async function findUserForSignIn(db: Db, email: string): Promise<{ user: User; passwordHash: string } | undefined> {
  const [row] = await db.query<UserRow & { password_hash: string }>(`SELECT ${COLUMNS}, password_hash FROM users WHERE email = $1`, [normalizeEmail(email)]);
  return row && { user: toUser(row), passwordHash: row.password_hash };
}

export async function getUser(db: Sql, tenantId: string, id: string): Promise<User | undefined> {
  const [row] = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return row && toUser(row);
}

export async function listUsers(db: Db, tenantId: string): Promise<User[]> {
  const rows = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  return rows.map(toUser);
}

/** Whether the hub has any user at all (none: the first start prints a setup link). */
export async function anyUser(db: Sql): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM users LIMIT 1');
  return rows.length > 0;
}

export async function tenantHasOwner(db: Sql, tenantId: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM users WHERE tenant_id = $1 AND role = 'owner' LIMIT 1`, [tenantId]);
  return rows.length > 0;
}

const LAST_OWNER = 'This is the last owner of the tenant: make another person owner first, so someone can still manage owners.';

/**
 * Changes a role, or removes the user (`role` undefined), never leaving the tenant without an owner.
 * The owners' rows are locked first: two owners demoting each other at once cannot both succeed
 * (the second one, waiting on the lock, then sees one owner left).
 */
export async function changeUser(db: Db, tenantId: string, id: string, change: { role: Role } | 'delete'): Promise<User | undefined> {
  return db.transaction(async (tx) => {
    const owners = await tx.query<{ id: string }>(`SELECT id FROM users WHERE tenant_id = $1 AND role = 'owner' FOR UPDATE`, [tenantId]);
    const user = await getUser(tx, tenantId, id);
    if (!user) throw notFound('user', id);
    const losesOwner = user.role === 'owner' && (change === 'delete' || change.role !== 'owner');
    if (losesOwner && owners.length <= 1) throw new ConflictError(LAST_OWNER);
    if (change === 'delete') {
      await tx.query('DELETE FROM users WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
      return undefined;
    }
    const [row] = await tx.query<UserRow>(`UPDATE users SET role = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`, [tenantId, id, change.role]);
    return toUser(row!);
  });
}
