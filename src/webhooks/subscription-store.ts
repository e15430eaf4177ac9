import { newId, randomBase62 } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';

/** One row of `webhook_subscriptions`, as the rest of the module sees it. */
export interface Subscription {
  id: string;
  seq: number;
  tenantId: string;
  kind: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = {
  id: string;
  seq: number;
  tenant_id: string;
  kind: string;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  consecutive_failures: number;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
};

const toSubscription = (row: Row): Subscription => ({
  id: row.id,
  seq: row.seq,
  tenantId: row.tenant_id,
  kind: row.kind,
  url: row.url,
  eventTypes: row.event_types,
  description: row.description,
  enabled: row.enabled,
  disabledReason: row.disabled_reason,
  disabledAt: row.disabled_at,
  secretSealed: row.secret_sealed,
  previousSecretSealed: row.previous_secret_sealed,
  previousSecretExpiresAt: row.previous_secret_expires_at,
  consecutiveFailures: row.consecutive_failures,
  failingSince: row.failing_since,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The vault context of a subscription's secrets: a sealed secret copied to another row or tenant does not open. */
export const secretContext = (tenantId: string, kind: string, id: string) => `tenant:${tenantId}/${kind}:${id}`;

/** 32 base62 characters (~190 bits) behind a prefix that makes a leaked secret recognizable. */
export const newSigningSecret = () => `whsec_${randomBase62(32)}`;

export interface NewSubscription {
  tenantId: string;
  kind: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
}

/** Creates the subscription with a fresh signing secret; the secret in clear is returned once, here. */
export async function createSubscription(db: Sql, vault: Vault, input: NewSubscription): Promise<{ subscription: Subscription; secret: string }> {
  const id = newId('whk');
  const secret = newSigningSecret();
  const [row] = await db.query<Row>(
    `INSERT INTO webhook_subscriptions (id, tenant_id, kind, url, event_types, description, enabled, disabled_reason, disabled_at, secret_sealed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7 THEN NULL ELSE 'created disabled' END, CASE WHEN $7 THEN NULL ELSE now() END, $8) RETURNING *`,
    [id, input.tenantId, input.kind, input.url, input.eventTypes, input.description, input.enabled, vault.seal(secret, secretContext(input.tenantId, input.kind, id))],
  );
  return { subscription: toSubscription(row!), secret };
}

export async function countSubscriptions(db: Sql, tenantId: string, kind: string): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM webhook_subscriptions WHERE tenant_id = $1 AND kind = $2', [tenantId, kind]);
  return row!.count;
}

export async function getSubscription(db: Sql, tenantId: string, kind: string, id: string): Promise<Subscription | undefined> {
  const [row] = await db.query<Row>('SELECT * FROM webhook_subscriptions WHERE tenant_id = $1 AND kind = $2 AND id = $3', [tenantId, kind, id]);
  return row && toSubscription(row);
}

/** Newest first; `beforeSeq` is the cursor. */
export async function listSubscriptions(db: Sql, filter: { tenantId: string; kind: string; beforeSeq?: number; limit: number }): Promise<Subscription[]> {
  const rows = await db.query<Row>(
    `SELECT * FROM webhook_subscriptions WHERE tenant_id = $1 AND kind = $2 AND ($3::bigint IS NULL OR seq < $3) ORDER BY seq DESC LIMIT $4`,
    [filter.tenantId, filter.kind, filter.beforeSeq ?? null, filter.limit],
  );
  return rows.map(toSubscription);
}

/** Ids of the enabled subscriptions of the tenant that want this event type (or every type). */
export async function subscriptionsFor(db: Sql, tenantId: string, kind: string, eventType: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM webhook_subscriptions WHERE tenant_id = $1 AND kind = $2 AND enabled AND event_types && ARRAY[$3::text, '*']`,
    [tenantId, kind, eventType],
  );
  return rows.map((row) => row.id);
}

export interface SubscriptionPatch {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
}

/**
 * Applies a PATCH. Enabling clears the disabled reason and the failure streak; disabling by hand
 * records it as the reason; a new URL is a new target, so its streak starts at zero.
 */
export async function updateSubscription(db: Sql, tenantId: string, kind: string, id: string, patch: SubscriptionPatch): Promise<Subscription | undefined> {
  const params: unknown[] = [tenantId, kind, id];
  const set = ['updated_at = now()'];
  const assign = (column: string, value: unknown) => {
    params.push(value);
    set.push(`${column} = $${params.length}`);
  };
  if (patch.url !== undefined) {
    assign('url', patch.url);
    set.push(`consecutive_failures = CASE WHEN url = $${params.length} THEN consecutive_failures ELSE 0 END`);
    set.push(`failing_since = CASE WHEN url = $${params.length} THEN failing_since ELSE NULL END`);
  }
  if (patch.eventTypes !== undefined) assign('event_types', patch.eventTypes);
  if (patch.description !== undefined) assign('description', patch.description);
  if (patch.enabled === true) {
    set.push('enabled = true', 'disabled_reason = NULL', 'disabled_at = NULL');
    if (patch.url === undefined) set.push('consecutive_failures = 0', 'failing_since = NULL');
  } else if (patch.enabled === false) {
    // Already disabled (by a 410, by the failure streak): keep that reason and time.
    set.push('enabled = false', `disabled_reason = CASE WHEN enabled THEN 'disabled through the API' ELSE disabled_reason END`, 'disabled_at = CASE WHEN enabled THEN now() ELSE disabled_at END');
  }
  const [row] = await db.query<Row>(`UPDATE webhook_subscriptions SET ${set.join(', ')} WHERE tenant_id = $1 AND kind = $2 AND id = $3 RETURNING *`, params);
  return row && toSubscription(row);
}

export async function deleteSubscription(db: Sql, tenantId: string, kind: string, id: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>('DELETE FROM webhook_subscriptions WHERE tenant_id = $1 AND kind = $2 AND id = $3 RETURNING id', [tenantId, kind, id]);
  return rows.length === 1;
}

/**
 * A new current secret; the old one keeps signing alongside it for `graceSeconds` (0: it stops
 * now), so receivers can switch secrets without refusing deliveries in between.
 */
export async function rotateSecret(
  db: Db,
  vault: Vault,
  target: { tenantId: string; kind: string; id: string },
  graceSeconds: number,
): Promise<{ secret: string; subscription: Subscription } | undefined> {
  const secret = newSigningSecret();
  const context = secretContext(target.tenantId, target.kind, target.id);
  const [row] = await db.query<Row>(
    `UPDATE webhook_subscriptions SET
       previous_secret_sealed = CASE WHEN $5::int > 0 THEN secret_sealed ELSE NULL END,
       previous_secret_expires_at = CASE WHEN $5::int > 0 THEN now() + make_interval(secs => $5::int) ELSE NULL END,
       secret_sealed = $4, updated_at = now()
     WHERE tenant_id = $1 AND kind = $2 AND id = $3 RETURNING *`,
    [target.tenantId, target.kind, target.id, vault.seal(secret, context), graceSeconds],
  );
  return row && { secret, subscription: toSubscription(row) };
}

/** The secrets that sign a delivery now: the current one, and the previous one until it expires. */
export function signingSecrets(vault: Vault, subscription: Subscription, now: Date): string[] {
  const context = secretContext(subscription.tenantId, subscription.kind, subscription.id);
  const secrets = [vault.open(subscription.secretSealed, context)];
  if (subscription.previousSecretSealed !== null && subscription.previousSecretExpiresAt !== null && subscription.previousSecretExpiresAt > now) {
    secrets.push(vault.open(subscription.previousSecretSealed, context));
  }
  return secrets;
}

/** A delivered attempt ends the failure streak. */
export async function recordSuccess(db: Sql, subscription: Subscription): Promise<void> {
  await db.query('UPDATE webhook_subscriptions SET consecutive_failures = 0, failing_since = NULL WHERE tenant_id = $1 AND id = $2', [subscription.tenantId, subscription.id]);
}

/** A failed attempt starts the failing period (if none is running): the 24 h auto-disable rule counts from it. */
export async function recordFailingAttempt(db: Sql, subscription: Subscription): Promise<void> {
  await db.query('UPDATE webhook_subscriptions SET failing_since = now() WHERE tenant_id = $1 AND id = $2 AND failing_since IS NULL', [
    subscription.tenantId,
    subscription.id,
  ]);
}

/** A delivery ended failed: one more in the streak. Returns the streak, or undefined if the subscription is gone or disabled. */
export async function recordFailedDelivery(db: Sql, tenantId: string, id: string): Promise<{ consecutiveFailures: number; failingSince: Date } | undefined> {
  const [row] = await db.query<{ consecutive_failures: number; failing_since: Date }>(
    `UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, now())
     WHERE tenant_id = $1 AND id = $2 AND enabled RETURNING consecutive_failures, failing_since`,
    [tenantId, id],
  );
  return row && { consecutiveFailures: row.consecutive_failures, failingSince: row.failing_since };
}

/** Disables an enabled subscription with its reason; false when it was already disabled or is gone. */
export async function disableSubscription(db: Sql, tenantId: string, id: string, reason: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    'UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $3, disabled_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 AND enabled RETURNING id',
    [tenantId, id, reason],
  );
  return rows.length === 1;
}
