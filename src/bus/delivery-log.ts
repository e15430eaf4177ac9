/**
 * The deliveries of one subscriber with their attempts, read from the bus's own tables (events,
 * event_deliveries, delivery_attempts) so that other parts (webhooks' delivery log) never query them.
 * Every read is scoped to one tenant.
 */
import type { Sql } from '../store/db.ts';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface LoggedAttempt {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  outcome: 'in_flight' | 'interrupted' | 'delivered' | 'retry' | 'gave_up';
  statusCode: number | null;
  error: string | null;
}

export interface LoggedDelivery {
  id: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  attempts: LoggedAttempt[];
  /** The position of this row for the next page's cursor (microsecond timestamp + id: timestamps can tie). */
  cursor: string;
}

type DeliveryRow = {
  id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
  created_key: string;
};

type AttemptRow = {
  delivery_id: string;
  attempt: number;
  started_at: Date;
  duration_ms: number;
  outcome: LoggedAttempt['outcome'];
  status_code: number | null;
  error: string | null;
};

// Timestamps travel as text with microseconds: a JS Date would drop them and skip or repeat rows.
const CREATED_KEY = `to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function encodeDeliveryCursor(delivery: LoggedDelivery): string {
  return Buffer.from(delivery.cursor).toString('base64url');
}

/** A cursor this API returned, or undefined when it is not one (the caller answers the error). */
export function parseDeliveryCursor(cursor: string): { createdAt: string; id: string } | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)\|(dlv_[0-9A-Za-z]{1,40})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? { createdAt: match[1]!, id: match[2]! } : undefined;
}

async function withAttempts(db: Sql, tenantId: string, rows: DeliveryRow[]): Promise<LoggedDelivery[]> {
  if (rows.length === 0) return [];
  const attempts = await db.query<AttemptRow>(
    `SELECT a.* FROM delivery_attempts a JOIN event_deliveries d ON d.id = a.delivery_id
     WHERE d.tenant_id = $1 AND a.delivery_id = ANY($2::text[]) ORDER BY a.delivery_id, a.attempt`,
    [tenantId, rows.map((row) => row.id)],
  );
  return rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    cursor: `${row.created_key}|${row.id}`,
    attempts: attempts
      .filter((attempt) => attempt.delivery_id === row.id)
      .map((attempt) => ({
        attempt: attempt.attempt,
        startedAt: attempt.started_at,
        durationMs: attempt.duration_ms,
        outcome: attempt.outcome,
        statusCode: attempt.status_code,
        error: attempt.error,
      })),
  }));
}

const SELECT_DELIVERIES = `SELECT d.id, d.event_id, e.type AS event_type, d.status, d.last_error, d.next_attempt_at, d.created_at, d.updated_at, ${CREATED_KEY} AS created_key
  FROM event_deliveries d JOIN events e ON e.id = d.event_id`;

/** Newest first, with their attempts. `subscriber` is `<kind>:<id>` as the bus names it. */
export async function listDeliveries(
  db: Sql,
  filter: { tenantId: string; subscriber: string; status?: DeliveryStatus; after?: { createdAt: string; id: string }; limit: number },
): Promise<LoggedDelivery[]> {
  const rows = await db.query<DeliveryRow>(
    `${SELECT_DELIVERIES}
     WHERE d.tenant_id = $1 AND d.subscriber = $2 AND ($3::text IS NULL OR d.status = $3)
       AND ($4::timestamptz IS NULL OR (d.created_at, d.id) < ($4::timestamptz, $5::text))
     ORDER BY d.created_at DESC, d.id DESC LIMIT $6`,
    [filter.tenantId, filter.subscriber, filter.status ?? null, filter.after?.createdAt ?? null, filter.after?.id ?? null, filter.limit],
  );
  return withAttempts(db, filter.tenantId, rows);
}

export async function getDelivery(db: Sql, tenantId: string, subscriber: string, id: string): Promise<LoggedDelivery | undefined> {
  const rows = await db.query<DeliveryRow>(`${SELECT_DELIVERIES} WHERE d.tenant_id = $1 AND d.subscriber = $2 AND d.id = $3`, [tenantId, subscriber, id]);
  return (await withAttempts(db, tenantId, rows))[0];
}
