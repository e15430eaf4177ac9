import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';
import { consoleLink, newLinkToken } from './one-time-tokens.ts';
import { hashToken } from './sessions.ts';
import { createTenant } from './tenants.ts';
import { anyUser, tenantHasOwner } from './users.ts';

/**
 * One-time setup links: the way a tenant's first owner is created without the command line. The
 * hub's first start on a store without any user prints one in its log (each start prints a fresh
 * one until someone has used one); `npm run hub -- tenants create` prints one for its tenant.
 */
const SETUP_LINK_HOURS = 24;

/** `tenantId` null: the link creates the hub's "default" tenant with its owner. */
export async function issueSetupToken(db: Sql, tenantId: string | null): Promise<string> {
  const token = newLinkToken();
  await db.query(`INSERT INTO setup_tokens (id, tenant_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + $4::int * interval '1 hour')`, [
    newId('stp'),
    tenantId,
    hashToken(token),
    SETUP_LINK_HOURS,
  ]);
  return token;
}

export const setupLink = (publicUrl: string, token: string): string => consoleLink(publicUrl, 'setup', token);

/**
 * At start: when the hub has no user yet, logs a setup link. It is for the oldest tenant when
 * tenants exist (HUB_BOOTSTRAP_API_KEY's "default", or a hub from before user accounts), else it
 * creates the "default" tenant when used.
 */
export async function announceSetupLink(db: Db, publicUrl: string, log: Logger): Promise<string | undefined> {
  if (await anyUser(db)) return undefined;
  const [oldest] = await db.query<{ id: string }>('SELECT id FROM tenants ORDER BY created_at, id LIMIT 1');
  const link = setupLink(publicUrl, await issueSetupToken(db, oldest?.id ?? null));
  const withoutBrowser = oldest
    ? ''
    : ' Without a browser: stop the hub and run `npm run hub -- tenants create "My shop"` (it prints an API key), or start it with HUB_BOOTSTRAP_API_KEY=<24+ characters>.';
  log.warn(`No user account yet. Setup link: ${link} (open it to create the first owner; valid ${SETUP_LINK_HOURS} hours, once).${withoutBrowser}`);
  return link;
}

const UNUSABLE = 'This setup link is unknown, already used or expired: restart the hub for a new one (it prints it while no account exists), or run `npm run hub -- tenants setup-link <tenant id>`.';

/** Takes a setup token (once, in the caller's transaction): the tenant the first owner joins, created when the link says so. */
export async function takeSetupToken(tx: Sql, token: string): Promise<{ tenantId: string }> {
  const [row] = await tx.query<{ id: string; tenant_id: string | null }>(
    'SELECT id, tenant_id FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE',
    [hashToken(token)],
  );
  if (!row) throw new NotFoundError(UNUSABLE);
  await tx.query('UPDATE setup_tokens SET used_at = now() WHERE id = $1', [row.id]);
  if (row.tenant_id === null) {
    // Links printed by several starts (or processes) are all for the same first owner: once there is one, the others are void.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('hub.setup'))`);
    if (await anyUser(tx)) throw new ConflictError('This hub is already set up: sign in, or ask an admin for an invitation.');
    return { tenantId: (await createTenant(tx, 'default')).id };
  }
  if (await tenantHasOwner(tx, row.tenant_id)) throw new ConflictError('This tenant already has an owner: sign in, or ask an owner for an invitation.');
  return { tenantId: row.tenant_id };
}
