/**
 * A run: one contact going through one version of a scenario. Its state is a union of statuses,
 * and each step it executes leaves one step record, unique on (run, step, rotation): the record is
 * both the history ("which step, when, why") and the guard that makes every step run once.
 *
 *   active ──▶ waiting (wait / waitFor: a queue job wakes it) ──▶ active …
 *      │  ╲                                                         
 *      │   held (scenario paused; resuming makes it active again)
 *      ▼
 *   completed (exit step or end of a branch) | exited (exit event) | cancelled (API, archive) | failed
 */
import { z } from 'zod';
import type { StepType } from './scenario.ts';

export const RunStatus = z.enum(['active', 'waiting', 'held', 'completed', 'exited', 'cancelled', 'failed']);
export type RunStatus = z.infer<typeof RunStatus>;

export const LIVE_STATUSES = ['active', 'waiting', 'held'] as const satisfies readonly RunStatus[];
export type LiveStatus = (typeof LIVE_STATUSES)[number];
export type EndStatus = Exclude<RunStatus, LiveStatus>;

export function isLive(status: RunStatus): status is LiveStatus {
  return (LIVE_STATUSES as readonly string[]).includes(status);
}

/** An event as a run keeps it (the trigger, the last one a waitFor matched): what templates and predicates read. */
export interface RunEvent {
  /** The stored event's id; null for the date trigger's synthetic event and simulated events. */
  id: string | null;
  type: string;
  source: string;
  occurredAt: string;
  data: Record<string, unknown>;
  subject?: Record<string, unknown>;
}

export interface Run {
  id: string;
  tenantId: string;
  scenarioId: string;
  version: number;
  contactId: string;
  /** The entry key ("" for one run per contact; the order id, or the date for yearly date triggers). */
  key: string;
  status: RunStatus;
  /** The step the run is at (being executed, or waited on); null once ended. */
  stepId: string | null;
  /** How many goto jumps the run has taken: part of every step record's identity, so a loop's second pass is a new execution. */
  rotation: number;
  /** Jumps per goto step, against its maxRotations. */
  gotos: Record<string, number>;
  trigger: RunEvent | null;
  lastEvent: RunEvent | null;
  /** Bumped by every change: transitions are compare-and-set on it, so two workers never both move a run. */
  moves: number;
  wakeAt: Date | null;
  startedAt: Date;
  endedAt: Date | null;
  endReason: string | null;
}

export const StepOutcome = z.enum(['entered', 'elapsed', 'happened', 'timedOut', 'yes', 'no', 'sent', 'done', 'looped', 'limitReached', 'exited', 'failed', 'skipped']);
export type StepOutcome = z.infer<typeof StepOutcome>;

export const StepState = z.enum(['started', 'waiting', 'done', 'failed']);
export type StepState = z.infer<typeof StepState>;

/** One execution of one step. `$entry` and `$end` are the run's own records (how it started, why it ended). */
export interface StepRecord {
  runId: string;
  stepId: string;
  rotation: number;
  type: StepType | 'entry' | 'end';
  state: StepState;
  outcome: StepOutcome | null;
  /** What happened: the message id, the condition result, the wait's end, the event that arrived… */
  detail: Record<string, unknown>;
  next: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export const ENTRY_RECORD = '$entry';
export const END_RECORD = '$end';

/** The idempotency key of a step's side effect: the same (run, step, rotation) never acts twice. */
export function effectKey(run: Pick<Run, 'id'>, stepId: string, rotation: number): string {
  return `scn:${run.id}:${stepId}:${rotation}`;
}

/** The run an effect key (a message's idempotency key) names; undefined for keys scenarios did not make. */
export function runOfEffectKey(key: string | null): string | undefined {
  return key === null ? undefined : /^scn:([A-Za-z0-9_]+):/.exec(key)?.[1];
}
