/**
 * Authorization flows in progress (`connector_oauth_flows`). The `state` sent to the provider is
 * `<flow id>.<HMAC-SHA256(key, "<flow id>.<tenant>.<connector>")>`: a forged or altered state is refused before
 * any lookup, and the row binds it to the tenant, the connector and who started it. A flow is opened once (the
 * browser that follows the start link gets the state and PKCE cookies), consumed once (the callback), and
 * expires after ten minutes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { newId } from '../../ids.ts';
import type { JsonObject } from '../connector.ts';
import type { ConnectorDeps } from '../deps.ts';

export const FLOW_TTL_MS = 10 * 60_000;

export interface Flow {
  id: string;
  tenantId: string;
  connector: string;
  startedBy: string;
  installationId: string | null;
  input: JsonObject;
  expiresAt: Date;
}

type FlowRow = {
  id: string;
  tenant_id: string;
  connector: string;
  started_by: string;
  installation_id: string | null;
  input: JsonObject;
  opened_at: Date | null;
  expires_at: Date;
  consumed_at: Date | null;
};

const toFlow = (row: FlowRow): Flow => ({
  id: row.id,
  tenantId: row.tenant_id,
  connector: row.connector,
  startedBy: row.started_by,
  installationId: row.installation_id,
  input: row.input,
  expiresAt: row.expires_at,
});

function sign(key: Buffer, id: string, tenantId: string, connector: string): string {
  return createHmac('sha256', key).update(`${id}.${tenantId}.${connector}`).digest('base64url');
}

/** Why a state or start link is refused: each has its own page. */
export type FlowRefusal = 'malformed' | 'unknown' | 'expired' | 'used';

export async function createFlow(
  deps: Pick<ConnectorDeps, 'db' | 'oauthStateKey' | 'clock'>,
  values: { tenantId: string; connector: string; startedBy: string; installationId?: string | undefined; input: JsonObject },
): Promise<{ flow: Flow; state: string }> {
  const id = newId('oaf');
  const expiresAt = new Date(deps.clock().getTime() + FLOW_TTL_MS);
  const [row] = await deps.db.query<FlowRow>(
    `INSERT INTO connector_oauth_flows (id, tenant_id, connector, started_by, installation_id, input, expires_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING *`,
    [id, values.tenantId, values.connector, values.startedBy, values.installationId ?? null, JSON.stringify(values.input), expiresAt],
  );
  return { flow: toFlow(row!), state: `${id}.${sign(deps.oauthStateKey, id, values.tenantId, values.connector)}` };
}

/** Checks the signature against the row it names; the row, or why not. */
async function verified(deps: Pick<ConnectorDeps, 'db' | 'oauthStateKey'>, connector: string, state: unknown): Promise<FlowRow | FlowRefusal> {
  if (typeof state !== 'string' || state.length > 200) return 'malformed';
  const [id, signature] = state.split('.');
  if (!id || !signature || !/^oaf_[A-Za-z0-9]+$/.test(id)) return 'malformed';
  const [row] = await deps.db.query<FlowRow>('SELECT * FROM connector_oauth_flows WHERE id = $1 AND connector = $2', [id, connector]);
  if (!row) return 'unknown';
  const expected = Buffer.from(sign(deps.oauthStateKey, row.id, row.tenant_id, row.connector));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'malformed';
  return row;
}

/**
 * The start link, followed by a browser: marks the flow opened (once), so the state and PKCE cookies exist in one
 * browser only.
 */
export async function openFlow(deps: Pick<ConnectorDeps, 'db' | 'oauthStateKey' | 'clock'>, connector: string, state: unknown): Promise<Flow | FlowRefusal> {
  const row = await verified(deps, connector, state);
  if (typeof row === 'string') return row;
  const now = deps.clock();
  const [opened] = await deps.db.query<FlowRow>(
    'UPDATE connector_oauth_flows SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL AND consumed_at IS NULL AND expires_at > $2 RETURNING *',
    [row.id, now],
  );
  if (opened) return toFlow(opened);
  return row.expires_at <= now ? 'expired' : 'used';
}

/** The callback: consumes the flow (once, before the code is exchanged); a replay finds it consumed. */
export async function consumeFlow(deps: Pick<ConnectorDeps, 'db' | 'oauthStateKey' | 'clock'>, connector: string, state: unknown): Promise<Flow | FlowRefusal> {
  const row = await verified(deps, connector, state);
  if (typeof row === 'string') return row;
  const now = deps.clock();
  const [consumed] = await deps.db.query<FlowRow>(
    'UPDATE connector_oauth_flows SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND opened_at IS NOT NULL AND expires_at > $2 RETURNING *',
    [row.id, now],
  );
  if (consumed) return toFlow(consumed);
  return row.consumed_at === null && row.expires_at <= now ? 'expired' : 'used';
}

/** How the flow ended, for the admin and for support (the API's install answer names the flow). */
export async function recordOutcome(deps: Pick<ConnectorDeps, 'db'>, flowId: string, outcome: 'installed' | 'reconnected' | 'denied' | 'failed', note: string | null): Promise<void> {
  await deps.db.query('UPDATE connector_oauth_flows SET outcome = $2, note = $3, consumed_at = COALESCE(consumed_at, now()) WHERE id = $1', [flowId, outcome, note?.slice(0, 2000) ?? null]);
}

/** Flows older than a day are forgotten (the sweeper). */
export async function purgeFlows(deps: Pick<ConnectorDeps, 'db' | 'clock'>): Promise<number> {
  const rows = await deps.db.query('DELETE FROM connector_oauth_flows WHERE expires_at < $1 RETURNING id', [new Date(deps.clock().getTime() - 86_400_000)]);
  return rows.length;
}
