import { createHash, createHmac } from 'node:crypto';
import type { SessionPrincipal } from '../gateway/auth.ts';
import type { Role } from '../gateway/access.ts';
import { newId, randomBase62 } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';

/**
 * Console sessions. The cookie holds a random token (256 bits); the table holds its SHA-256, so a
 * copy of the database signs no one in. A session ends 30 days after sign-in, or after 7 days
 * unused, or at sign-out (this one, or all of a person's at once); a role change applies to the
 * very next request (the role is read from the user at each request, not kept in the session).
 */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;
const IDLE_LIMIT = '7 days';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The CSRF token is derived from the session's own token: nothing more to store, and it changes with every sign-in. */
export const csrfTokenOf = (sessionToken: string): string => createHmac('sha256', sessionToken).update('hub csrf').digest('base64url');

export interface NewSession {
  id: string;
  token: string;
  csrfToken: string;
}

export async function createSession(db: Sql, tenantId: string, userId: string): Promise<NewSession> {
  const token = `hs_${randomBase62(43)}`;
  const id = newId('ses');
  await db.query(`INSERT INTO user_sessions (id, tenant_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, now() + $5::int * interval '1 second')`, [
    id,
    tenantId,
    userId,
    hashToken(token),
    SESSION_MAX_AGE_SECONDS,
  ]);
  return { id, token, csrfToken: csrfTokenOf(token) };
}

/** The session a cookie's token opens; `last_seen_at` is refreshed at most once a minute (one indexed read per request). */
export async function authenticateSession(db: Db, token: string): Promise<SessionPrincipal | undefined> {
  const [row] = await db.query<{ id: string; tenant_id: string; user_id: string; role: Role; stale: boolean }>(
    `SELECT s.id, s.tenant_id, s.user_id, u.role, s.last_seen_at < now() - interval '1 minute' AS stale
     FROM user_sessions s JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id
     WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - interval '${IDLE_LIMIT}'`,
    [hashToken(token)],
  );
  if (!row) return undefined;
  if (row.stale) await db.query('UPDATE user_sessions SET last_seen_at = now() WHERE id = $1', [row.id]);
  return { kind: 'session', tenantId: row.tenant_id, role: row.role, userId: row.user_id, sessionId: row.id, csrfToken: csrfTokenOf(token) };
}

/** Whether a session is still open (not signed out, expired or idle too long): an OAuth flow it started may finish. */
export async function sessionActive(db: Db, tenantId: string, sessionId: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM user_sessions WHERE tenant_id = $1 AND id = $2 AND expires_at > now() AND last_seen_at > now() - interval '${IDLE_LIMIT}'`, [tenantId, sessionId]);
  return rows.length > 0;
}

export async function endSession(db: Sql, tenantId: string, sessionId: string): Promise<void> {
  await db.query('DELETE FROM user_sessions WHERE tenant_id = $1 AND id = $2', [tenantId, sessionId]);
}

/** Ends a token's session if it is one (a sign-in replaces the session the browser had: no fixation). */
export async function endSessionByToken(db: Sql, token: string): Promise<void> {
  await db.query('DELETE FROM user_sessions WHERE token_hash = $1', [hashToken(token)]);
}

/** Signs a person out everywhere: every session of theirs ends; how many did. */
export async function endUserSessions(db: Sql, tenantId: string, userId: string): Promise<number> {
  const rows = await db.query('DELETE FROM user_sessions WHERE tenant_id = $1 AND user_id = $2 RETURNING id', [tenantId, userId]);
  return rows.length;
}
