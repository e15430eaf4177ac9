/**
 * Runs and step records in the store. Every transition is one statement or one short transaction,
 * compare-and-set on the run's `moves`, so concurrent workers (a redelivered job, a timeout firing
 * while the awaited event arrives) never both move a run; the loser sees undefined and stops.
 */
import { newId } from '../ids.ts';
import type { Db, Sql } from '../store/db.ts';
import type { Completion } from './interpreter.ts';
import type { EntryHistory } from './on-event.ts';
import type { EntryDecision } from './reactions.ts';
import { END_RECORD, ENTRY_RECORD, LIVE_STATUSES, type EndStatus, type Run, type RunEvent, type RunStatus, type StepOutcome, type StepRecord, type StepState } from './run.ts';
import type { Step, StepType } from './scenario.ts';

type RunRow = {
  id: string;
  seq: number;
  tenant_id: string;
  scenario_id: string;
  version: number;
  contact_id: string;
  run_key: string;
  status: RunStatus;
  step_id: string | null;
  rotation: number;
  gotos: Record<string, number>;
  trigger_event: RunEvent | null;
  last_event: RunEvent | null;
  moves: number;
  wake_at: Date | null;
  wake_job: string | null;
  started_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
};

export type StoredRun = Run & { seq: number; wakeJob: string | null };

const RUN_COLUMNS = 'id, seq, tenant_id, scenario_id, version, contact_id, run_key, status, step_id, rotation, gotos, trigger_event, last_event, moves, wake_at, wake_job, started_at, ended_at, end_reason';
const LIVE = `('${LIVE_STATUSES.join("', '")}')`;

export const toRun = (row: RunRow): StoredRun => ({
  id: row.id,
  seq: row.seq,
  tenantId: row.tenant_id,
  scenarioId: row.scenario_id,
  version: row.version,
  contactId: row.contact_id,
  key: row.run_key,
  status: row.status,
  stepId: row.step_id,
  rotation: row.rotation,
  gotos: row.gotos,
  trigger: row.trigger_event,
  lastEvent: row.last_event,
  moves: row.moves,
  wakeAt: row.wake_at,
  wakeJob: row.wake_job,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  endReason: row.end_reason,
});

type StepRow = {
  run_id: string;
  step_id: string;
  rotation: number;
  step_type: StepType | 'entry' | 'end';
  state: StepState;
  outcome: StepOutcome | null;
  detail: Record<string, unknown>;
  next_step: string | null;
  started_at: Date;
  finished_at: Date | null;
};

const STEP_COLUMNS = 'run_id, step_id, rotation, step_type, state, outcome, detail, next_step, started_at, finished_at';

const toRecord = (row: StepRow): StepRecord => ({
  runId: row.run_id,
  stepId: row.step_id,
  rotation: row.rotation,
  type: row.step_type,
  state: row.state,
  outcome: row.outcome,
  detail: row.detail,
  next: row.next_step,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

export async function getRun(db: Sql, id: string, tenantId?: string): Promise<StoredRun | undefined> {
  const rows =
    tenantId === undefined
      ? await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM scenario_runs WHERE id = $1`, [id])
      : await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM scenario_runs WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
  return rows[0] && toRun(rows[0]);
}

export interface NewRunRow {
  tenantId: string;
  scenarioId: string;
  version: number;
  contactId: string;
  key: string;
  firstStep: string;
  trigger: RunEvent;
  reason: string;
  now: Date;
}

/**
 * Creates a run at its first step with its entry record, if `decide` allows it given the contact
 * and key's earlier runs. A transaction-scoped advisory lock on (scenario, contact, key) makes the
 * read and the insert one step for concurrent starts. Also refused when the trigger event already
 * started a run of this scenario (unique index), or a live run exists (unique index).
 */
export async function insertRun(db: Db, decide: (history: EntryHistory) => EntryDecision, input: NewRunRow): Promise<{ run: StoredRun } | { run?: undefined; reason: string }> {
  const id = newId('run');
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`scenario-entry:${input.scenarioId}:${input.contactId}:${input.key}`]);
    if (input.trigger.id !== null && (await tx.query('SELECT 1 FROM scenario_runs WHERE scenario_id = $1 AND trigger_event_id = $2', [input.scenarioId, input.trigger.id])).length > 0) {
      return { reason: `the event ${input.trigger.id} already started a run` };
    }
    const decision = decide(await entryHistory(tx, input.scenarioId, input.contactId, input.key));
    if (!decision.start) return { reason: decision.reason };
    const [row] = await tx.query<RunRow>(
      `INSERT INTO scenario_runs (id, tenant_id, scenario_id, version, contact_id, run_key, status, step_id, trigger_event_id, trigger_event, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING ${RUN_COLUMNS}`,
      [id, input.tenantId, input.scenarioId, input.version, input.contactId, input.key, input.firstStep, input.trigger.id, JSON.stringify(input.trigger), input.now],
    );
    if (!row) return { reason: 'another run of this contact (and key) started at the same moment' };
    await tx.query(
      `INSERT INTO scenario_steps (run_id, step_id, rotation, tenant_id, step_type, state, outcome, detail, next_step, started_at, finished_at)
       VALUES ($1, $2, 0, $3, 'entry', 'done', 'entered', $4, $5, $6, $6)`,
      [id, ENTRY_RECORD, input.tenantId, JSON.stringify({ reason: input.reason, key: input.key, version: input.version }), input.firstStep, input.now],
    );
    return { run: toRun(row) };
  });
}

export async function liveRunsOf(db: Sql, scenarioId: string, contactId: string): Promise<StoredRun[]> {
  const rows = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM scenario_runs WHERE scenario_id = $1 AND contact_id = $2 AND status IN ${LIVE} ORDER BY seq`, [scenarioId, contactId]);
  return rows.map(toRun);
}

export async function runsWaitingByKey(db: Sql, scenarioId: string, eventType: string, keys: string[]): Promise<StoredRun[]> {
  const rows = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM scenario_runs WHERE scenario_id = $1 AND status = 'waiting' AND waiting_type = $2 AND waiting_key = ANY($3::text[]) ORDER BY seq LIMIT 1000`,
    [scenarioId, eventType, keys],
  );
  return rows.map(toRun);
}

async function entryHistory(db: Sql, scenarioId: string, contactId: string, key: string): Promise<EntryHistory> {
  const [row] = await db.query<{ live: boolean; last_started_at: Date | null }>(
    `SELECT bool_or(status IN ${LIVE}) AS live, max(started_at) AS last_started_at FROM scenario_runs WHERE scenario_id = $1 AND contact_id = $2 AND run_key = $3`,
    [scenarioId, contactId, key],
  );
  return { live: row?.live === true, lastStartedAt: row?.last_started_at ?? undefined };
}

/** The step's record, created if absent while the run still stands where the caller saw it. */
export async function enterStep(db: Sql, run: Run, step: Step, now: Date): Promise<StepRecord | undefined> {
  const rows = await db.query<StepRow>(
    `WITH standing AS (SELECT id FROM scenario_runs WHERE id = $1 AND moves = $2 AND status = 'active' AND step_id = $3),
     inserted AS (
       INSERT INTO scenario_steps (run_id, step_id, rotation, tenant_id, step_type, state, started_at)
       SELECT id, $3, $4, $5, $6, 'started', $7 FROM standing
       ON CONFLICT (run_id, step_id, rotation) DO NOTHING RETURNING ${STEP_COLUMNS}
     )
     SELECT ${STEP_COLUMNS} FROM inserted
     UNION ALL
     SELECT ${STEP_COLUMNS} FROM scenario_steps WHERE run_id = $1 AND step_id = $3 AND rotation = $4 AND EXISTS (SELECT 1 FROM standing) AND NOT EXISTS (SELECT 1 FROM inserted)`,
    [run.id, run.moves, step.id, run.rotation, run.tenantId, step.type, now],
  );
  return rows[0] && toRecord(rows[0]);
}

export async function noteStep(db: Sql, run: Run, stepId: string, detail: Record<string, unknown>): Promise<void> {
  await db.query(`UPDATE scenario_steps SET detail = detail || $4::jsonb WHERE run_id = $1 AND step_id = $2 AND rotation = $3`, [run.id, stepId, run.rotation, JSON.stringify(detail)]);
}

async function insertEnd(tx: Sql, run: Pick<Run, 'id' | 'tenantId'>, status: EndStatus, reason: string, detail: Record<string, unknown>, now: Date): Promise<void> {
  const outcome: StepOutcome = status === 'exited' ? 'exited' : status === 'failed' ? 'failed' : 'done';
  await tx.query(
    `INSERT INTO scenario_steps (run_id, step_id, rotation, tenant_id, step_type, state, outcome, detail, started_at, finished_at)
     VALUES ($1, $2, 0, $3, 'end', 'done', $4, $5, $6, $6) ON CONFLICT (run_id, step_id, rotation) DO NOTHING`,
    [run.id, END_RECORD, run.tenantId, outcome, JSON.stringify({ ...detail, status, reason }), now],
  );
}

/** Finishes a step and moves the run in one transaction; undefined when the run moved meanwhile. */
export async function completeStep(db: Db, run: Run, step: Step, completion: Completion, now: Date): Promise<StoredRun | undefined> {
  return db.transaction(async (tx) => {
    const ending = completion.next === null;
    const end = completion.end ?? { status: 'completed' as const, reason: `end of the branch after step "${step.id}"` };
    const status: RunStatus = ending ? end.status : completion.hold ? 'held' : 'active';
    const [row] = await tx.query<RunRow>(
      `UPDATE scenario_runs SET status = $3, step_id = $4, rotation = $5, gotos = $6, last_event = coalesce($7::jsonb, last_event), moves = moves + 1,
         wake_at = NULL, wake_job = NULL, waiting_type = NULL, waiting_key = NULL, updated_at = now(),
         ended_at = CASE WHEN $8 THEN $9::timestamptz ELSE NULL END, end_reason = CASE WHEN $8 THEN $10 ELSE NULL END
       WHERE id = $1 AND moves = $2 AND status IN ${LIVE} RETURNING ${RUN_COLUMNS}`,
      [
        run.id,
        run.moves,
        status,
        completion.next,
        completion.rotation ?? run.rotation,
        JSON.stringify(completion.gotos ?? run.gotos),
        completion.lastEvent === undefined ? null : JSON.stringify(completion.lastEvent),
        ending,
        now,
        ending ? end.reason : null,
      ],
    );
    if (!row) return undefined;
    await tx.query(
      `UPDATE scenario_steps SET state = $4, outcome = $5, detail = detail || $6::jsonb, next_step = $7, finished_at = $8 WHERE run_id = $1 AND step_id = $2 AND rotation = $3`,
      [run.id, step.id, run.rotation, completion.outcome === 'failed' ? 'failed' : 'done', completion.outcome, JSON.stringify(completion.detail ?? {}), completion.next, now],
    );
    if (ending) await insertEnd(tx, run, end.status, end.reason, {}, now);
    return toRun(row);
  });
}

/** Parks the run at a wait/waitFor step; the caller then adds the wake-up job. */
export async function suspendRun(
  db: Db,
  run: Run,
  step: Step,
  wake: { at: Date; job: string; waitingFor: { type: string; key: string | null } | undefined },
  detail: Record<string, unknown>,
): Promise<StoredRun | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<RunRow>(
      `UPDATE scenario_runs SET status = 'waiting', wake_at = $3, wake_job = $4, waiting_type = $5, waiting_key = $6, moves = moves + 1, updated_at = now()
       WHERE id = $1 AND moves = $2 AND status = 'active' RETURNING ${RUN_COLUMNS}`,
      [run.id, run.moves, wake.at, wake.job, wake.waitingFor?.type ?? null, wake.waitingFor?.key ?? null],
    );
    if (!row) return undefined;
    await tx.query(`UPDATE scenario_steps SET state = 'waiting', detail = detail || $4::jsonb WHERE run_id = $1 AND step_id = $2 AND rotation = $3`, [run.id, step.id, run.rotation, JSON.stringify(detail)]);
    return toRun(row);
  });
}

/**
 * Ends a live run whatever step it is at (exit event, cancellation); answers the ended run and the
 * wake-up job to cancel, or undefined when it was no longer live.
 */
export async function endRun(db: Db, runId: string, status: EndStatus, reason: string, detail: Record<string, unknown>, now: Date): Promise<{ run: StoredRun; wakeJob: string | null } | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<RunRow & { previous_wake_job: string | null }>(
      `WITH previous AS (SELECT id, wake_job FROM scenario_runs WHERE id = $1 AND status IN ${LIVE} FOR UPDATE)
       UPDATE scenario_runs r SET status = $2, end_reason = $3, ended_at = $4, step_id = NULL, moves = r.moves + 1, wake_at = NULL, wake_job = NULL,
         waiting_type = NULL, waiting_key = NULL, updated_at = now()
       FROM previous WHERE r.id = previous.id RETURNING ${RUN_COLUMNS.split(', ').map((column) => `r.${column}`).join(', ')}, previous.wake_job AS previous_wake_job`,
      [runId, status, reason, now],
    );
    if (!row) return undefined;
    await insertEnd(tx, { id: row.id, tenantId: row.tenant_id }, status, reason, detail, now);
    return { run: toRun(row), wakeJob: row.previous_wake_job };
  });
}

/** Holds a run of a paused scenario where it stands. */
export async function holdRun(db: Sql, run: Run): Promise<boolean> {
  const rows = await db.query(`UPDATE scenario_runs SET status = 'held', moves = moves + 1, updated_at = now() WHERE id = $1 AND moves = $2 AND status IN ('active', 'waiting') RETURNING id`, [run.id, run.moves]);
  return rows.length === 1;
}

/** Makes a resumed scenario's held runs active again; answers them for their advance jobs. */
export async function releaseHeld(db: Sql, scenarioId: string, limit: number): Promise<{ id: string; moves: number; tenantId: string }[]> {
  const rows = await db.query<{ id: string; moves: number; tenant_id: string }>(
    `UPDATE scenario_runs SET status = 'active', moves = moves + 1, updated_at = now()
     WHERE id IN (SELECT id FROM scenario_runs WHERE scenario_id = $1 AND status = 'held' LIMIT $2) AND status = 'held' RETURNING id, moves, tenant_id`,
    [scenarioId, limit],
  );
  return rows.map((row) => ({ id: row.id, moves: row.moves, tenantId: row.tenant_id }));
}

export async function stepRecords(db: Sql, tenantId: string, runIds: string[]): Promise<StepRecord[]> {
  if (runIds.length === 0) return [];
  const rows = await db.query<StepRow>(
    `SELECT ${STEP_COLUMNS} FROM scenario_steps WHERE tenant_id = $1 AND run_id = ANY($2::text[]) ORDER BY run_id, started_at, (step_id = '${END_RECORD}'), rotation`,
    [tenantId, runIds],
  );
  return rows.map(toRecord);
}

/** The message the step sent in its latest execution up to `rotation`. */
export async function sentMessageId(db: Sql, runId: string, stepId: string, rotation: number): Promise<string | undefined> {
  const [row] = await db.query<{ message_id: string | null }>(
    `SELECT detail->>'messageId' AS message_id FROM scenario_steps WHERE run_id = $1 AND step_id = $2 AND rotation <= $3 ORDER BY rotation DESC LIMIT 1`,
    [runId, stepId, rotation],
  );
  return row?.message_id ?? undefined;
}

export interface RunFilter {
  scenarioId?: string | undefined;
  contactId?: string | undefined;
  status?: RunStatus | undefined;
  stepId?: string | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

export async function listRuns(db: Sql, tenantId: string, filter: RunFilter): Promise<StoredRun[]> {
  const rows = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM scenario_runs WHERE tenant_id = $1 AND ($2::text IS NULL OR scenario_id = $2) AND ($3::text IS NULL OR contact_id = $3)
       AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR step_id = $5) AND ($6::bigint IS NULL OR seq < $6) ORDER BY seq DESC LIMIT $7`,
    [tenantId, filter.scenarioId ?? null, filter.contactId ?? null, filter.status ?? null, filter.stepId ?? null, filter.beforeSeq ?? null, filter.limit],
  );
  return rows.map(toRun);
}

/** Live runs per version and step: what a definition change must not pull a step from under. */
export async function liveRunsByStep(db: Sql, scenarioId: string): Promise<{ version: number; stepId: string; count: number }[]> {
  const rows = await db.query<{ version: number; step_id: string; count: number }>(
    `SELECT version, step_id, count(*)::int AS count FROM scenario_runs WHERE scenario_id = $1 AND status IN ${LIVE} AND step_id IS NOT NULL GROUP BY version, step_id ORDER BY version, step_id`,
    [scenarioId],
  );
  return rows.map((row) => ({ version: row.version, stepId: row.step_id, count: row.count }));
}

export async function runCounts(db: Sql, tenantId: string, scenarioId: string): Promise<Record<RunStatus, number>> {
  const rows = await db.query<{ status: RunStatus; count: number }>('SELECT status, count(*)::int AS count FROM scenario_runs WHERE tenant_id = $1 AND scenario_id = $2 GROUP BY status', [tenantId, scenarioId]);
  const counts = { active: 0, waiting: 0, held: 0, completed: 0, exited: 0, cancelled: 0, failed: 0 };
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}

/** Live run ids of a scenario (archive cancels them), optionally at one step. */
export async function liveRunIds(db: Sql, scenarioId: string, stepId: string | undefined, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`SELECT id FROM scenario_runs WHERE scenario_id = $1 AND status IN ${LIVE} AND ($2::text IS NULL OR step_id = $2) ORDER BY seq LIMIT $3`, [
    scenarioId,
    stepId ?? null,
    limit,
  ]);
  return rows.map((row) => row.id);
}

/** Waiting runs whose wake-up is overdue by more than `graceMs`, and active runs untouched that long, with how long. */
export async function strandedRuns(
  db: Sql,
  now: Date,
  graceMs: number,
  limit: number,
): Promise<{ id: string; tenantId: string; status: 'active' | 'waiting'; moves: number; stepId: string | null; rotation: number; strandedMs: number }[]> {
  const rows = await db.query<{ id: string; tenant_id: string; status: 'active' | 'waiting'; moves: number; step_id: string | null; rotation: number; stranded_ms: number }>(
    `(SELECT id, tenant_id, status, moves, step_id, rotation, extract(epoch FROM $1::timestamptz - wake_at) * 1000 AS stranded_ms FROM scenario_runs
      WHERE status = 'waiting' AND wake_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000) ORDER BY wake_at LIMIT $3)
     UNION ALL
     (SELECT id, tenant_id, status, moves, step_id, rotation, extract(epoch FROM now() - updated_at) * 1000 AS stranded_ms FROM scenario_runs
      WHERE status = 'active' AND updated_at < now() - make_interval(secs => $2::double precision / 1000) ORDER BY updated_at LIMIT $3)`,
    [now, graceMs, limit],
  );
  return rows.map((row) => ({ id: row.id, tenantId: row.tenant_id, status: row.status, moves: row.moves, stepId: row.step_id, rotation: row.rotation, strandedMs: Number(row.stranded_ms) }));
}

/** Active runs that took this event (as trigger or in a waitFor) and may need their advance job again after a redelivery. */
export async function activeRunsOfEvent(db: Sql, scenarioId: string, eventId: string): Promise<{ id: string; moves: number; tenantId: string }[]> {
  const rows = await db.query<{ id: string; moves: number; tenant_id: string }>(
    `SELECT id, moves, tenant_id FROM scenario_runs WHERE scenario_id = $1 AND status = 'active' AND (trigger_event_id = $2 OR last_event->>'id' = $2)`,
    [scenarioId, eventId],
  );
  return rows.map((row) => ({ id: row.id, moves: row.moves, tenantId: row.tenant_id }));
}
