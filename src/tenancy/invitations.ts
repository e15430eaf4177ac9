import type { Role } from '../gateway/access.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';
import { newLinkToken } from './one-time-tokens.ts';
import { hashToken } from './sessions.ts';
import { EMAIL_TAKEN, emailTaken, normalizeEmail } from './users.ts';

/** An invitation link works for 7 days, once. Inviting the same email again replaces the pending link. */
const INVITATION_DAYS = 7;

export interface Invitation {
  id: string;
  tenantId: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

type InvitationRow = { id: string; tenant_id: string; email: string; role: Role; invited_by: string | null; created_at: Date; expires_at: Date };

const COLUMNS = 'id, tenant_id, email, role, invited_by, created_at, expires_at';

const toInvitation = (row: InvitationRow): Invitation => ({
  id: row.id,
  tenantId: row.tenant_id,
  email: row.email,
  role: row.role,
  invitedBy: row.invited_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

export async function createInvitation(db: Db, input: { tenantId: string; email: string; role: Role; invitedBy: string }): Promise<{ invitation: Invitation; token: string }> {
  const email = normalizeEmail(input.email);
  return db.transaction(async (tx) => {
    if (await emailTaken(tx, email)) throw new ConflictError(EMAIL_TAKEN);
    await tx.query('DELETE FROM invitations WHERE tenant_id = $1 AND email = $2 AND accepted_at IS NULL', [input.tenantId, email]);
    const token = newLinkToken();
    const [row] = await tx.query<InvitationRow>(
      `INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7::int * interval '1 day') RETURNING ${COLUMNS}`,
      [newId('inv'), input.tenantId, email, input.role, hashToken(token), input.invitedBy, INVITATION_DAYS],
    );
    return { invitation: toInvitation(row!), token };
  });
}

/** The tenant's pending invitations (not accepted), expired ones included until deleted, oldest first. */
export async function listInvitations(db: Db, tenantId: string): Promise<Invitation[]> {
  const rows = await db.query<InvitationRow>(`SELECT ${COLUMNS} FROM invitations WHERE tenant_id = $1 AND accepted_at IS NULL ORDER BY created_at, id`, [tenantId]);
  return rows.map(toInvitation);
}

export async function getInvitation(db: Db, tenantId: string, id: string): Promise<Invitation | undefined> {
  const [row] = await db.query<InvitationRow>(`SELECT ${COLUMNS} FROM invitations WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL`, [tenantId, id]);
  return row && toInvitation(row);
}

export async function deleteInvitation(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM invitations WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL RETURNING id', [tenantId, id]);
  return rows.length === 1;
}

const UNUSABLE = 'This invitation link is unknown, already used, withdrawn or expired: ask for a new invitation.';

/** Takes an invitation's token (once: the row is locked and marked accepted in the caller's transaction). */
export async function takeInvitation(tx: Sql, token: string): Promise<Invitation> {
  const [row] = await tx.query<InvitationRow>(
    `SELECT ${COLUMNS} FROM invitations WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() FOR UPDATE`,
    [hashToken(token)],
  );
  if (!row) throw new NotFoundError(UNUSABLE);
  await tx.query('UPDATE invitations SET accepted_at = now() WHERE id = $1', [row.id]);
  return toInvitation(row);
}
