/**
 * The step interpreter: one engine, two ports. The hub runs it on the store port (the store, the
 * queue, the sending core); the simulator on an in-memory port with a virtual clock. Every side
 * effect and every state change goes through the port, so what the simulator shows is what the
 * hub does.
 *
 * A run advances step by step until it waits, or ends. Each step first gets its record (run, step,
 * rotation) from the port, which creates it only while the run still stands where this worker saw
 * it; a step whose record exists is taken up again, not redone: a wait keeps its end, a score change
 * its target, sends carry the record's identity as idempotency key, and a connector action's result
 * is noted on the record before the run moves on, so a redelivered job or a crash mid-step never acts twice
 * (for a connector whose system does not dedupe on the key, a crash during the call itself may: see connectorAction).
 */
import type { QuietHoursPolicy } from '../sending/compliance/index.ts';
import { actionTemplateContext, renderActionInput } from './action-input.ts';
import { durationMs, offsetMs } from './duration.ts';
import { evaluate, readPath, type Facts } from './predicates.ts';
import { contextOf, runMatchKey, type ContactSnapshot } from './reactions.ts';
import { effectKey, type EndStatus, type Run, type RunEvent, type StepOutcome, type StepRecord } from './run.ts';
import { stepById, type Action, type ScenarioDefinition, type Step } from './scenario.ts';
import { dateValue, waitEnd } from './wait-time.ts';

/** A permanent failure of a step (bad template for this contact, unknown list…): the run ends failed, with the reason. */
export class StepFailure extends Error {
  override name = 'StepFailure';
}

export interface Completion {
  outcome: StepOutcome;
  detail?: Record<string, unknown>;
  /** Where the run goes; null ends it. */
  next: string | null;
  /** How it ends when `next` is null (default completed). */
  end?: { status: EndStatus; reason: string };
  rotation?: number;
  gotos?: Record<string, number>;
  lastEvent?: RunEvent;
  /** Leave the run held there (its scenario is paused) instead of active. */
  hold?: boolean;
}

export interface SendResult {
  messageId: string;
  status: string;
  /** When it is due to leave (quiet hours may push it). */
  scheduledFor: Date | null;
}

export interface AutomationPort {
  now(): Date;
  contact(run: Run): Promise<ContactSnapshot | undefined>;
  facts(run: Run): Facts;
  quietHours(tenantId: string): Promise<QuietHoursPolicy>;
  /** The step's record, created as `started` if absent; undefined when the run moved on (another worker, an exit event). */
  enter(run: Run, step: Step): Promise<StepRecord | undefined>;
  /** Adds to a started record's detail (what a retry must reuse: the target of a score change). */
  note(run: Run, step: Step, detail: Record<string, unknown>): Promise<void>;
  /** Finishes the step's record and moves the run, atomically; undefined when the run moved on meanwhile. */
  complete(run: Run, step: Step, completion: Completion): Promise<Run | undefined>;
  /** Parks the run at a wait/waitFor step until `until` (and, for waitFor, until a matching event). */
  suspend(run: Run, step: Step, until: Date, waitingFor: { type: string; key: string | null } | undefined, detail: Record<string, unknown>): Promise<Run | undefined>;
  send(run: Run, step: Step, action: Extract<Action, { kind: 'sendSms' | 'sendEmail' }>, idempotencyKey: string): Promise<SendResult>;
  updateContact(run: Run, patch: { firstName?: string | null | undefined; lastName?: string | null | undefined; attributes?: Record<string, unknown> | undefined }): Promise<void>;
  list(run: Run, change: 'add' | 'remove', listId: string): Promise<void>;
  publish(run: Run, type: string, data: Record<string, unknown>, dedupeKey: string): Promise<{ eventId: string | null }>;
  /** Runs a connector action with its rendered input; throws StepFailure when acting again cannot help, anything else is retried. */
  connector(run: Run, call: ConnectorCall, idempotencyKey: string): Promise<{ output: unknown; installationId?: string | undefined }>;
}

/** A connector action as a run calls it: the step's input and installation, rendered. */
export interface ConnectorCall {
  connector: string;
  action: string;
  installation: string | undefined;
  input: Record<string, unknown>;
}

/**
 * How long a connector action failing transiently (the external system down, 5xx, timeouts) is
 * retried, from the moment its step started: the step's job retries with backoff, the sweeper
 * takes the stuck run up again, and past this window the step fails and the run ends `failed`.
 */
export const CONNECTOR_RETRY_WINDOW_MS = 24 * 3_600_000;

/** More steps than any valid scenario can take in one go (200 steps × 100 rotations): a guard against a port bug. */
const MAX_STEPS_PER_ADVANCE = 25_000;

/** The contact read once per advance (conditions, waits and sends all read it), again after a step changed it. */
function withContactCache(port: AutomationPort): AutomationPort {
  let cached: Promise<ContactSnapshot | undefined> | undefined;
  return {
    ...port,
    contact: (run) => (cached ??= port.contact(run)),
    async updateContact(run, patch) {
      cached = undefined;
      await port.updateContact(run, patch);
    },
  };
}

/** Runs the run from its current step until it waits or ends; answers its last known state. */
export async function advance(run: Run, definition: ScenarioDefinition, basePort: AutomationPort): Promise<Run> {
  const port = withContactCache(basePort);
  let current = run;
  for (let count = 0; count < MAX_STEPS_PER_ADVANCE; count++) {
    if (current.status !== 'active' || current.stepId === null) return current;
    const step = stepById(definition, current.stepId);
    if (!step) {
      // Only a hand-edited store gets here: versions are immutable and runs stay on theirs.
      throw new Error(`run ${current.id}: step "${current.stepId}" is not in version ${current.version} of scenario ${current.scenarioId}`);
    }
    const record = await port.enter(current, step);
    if (!record) return current;
    let completion: Completion | 'suspended';
    try {
      completion = await execute(current, step, record, port);
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error;
      completion = { outcome: 'failed', detail: { error: error.message }, next: null, end: { status: 'failed', reason: `step "${step.id}": ${error.message}` } };
    }
    if (completion === 'suspended') return current;
    const moved = await port.complete(current, step, completion);
    if (!moved) return current;
    current = moved;
  }
  throw new Error(`run ${current.id}: more than ${MAX_STEPS_PER_ADVANCE} steps in one advance`);
}

export type WakeCause = { kind: 'timer' } | { kind: 'event'; event: RunEvent };

/**
 * A waiting run's wait is over: its timer fired (wait elapsed, waitFor timed out) or a matching
 * event arrived (waitFor happened). Answers undefined when the run is not waiting at that step.
 */
export async function wake(run: Run, definition: ScenarioDefinition, port: AutomationPort, cause: WakeCause, options: { hold?: boolean } = {}): Promise<Run | undefined> {
  if (run.status !== 'waiting' || run.stepId === null) return undefined;
  const step = stepById(definition, run.stepId);
  if (!step || (step.type !== 'wait' && step.type !== 'waitFor')) return undefined;
  const hold = options.hold ?? false;
  if (cause.kind === 'event') {
    if (step.type !== 'waitFor') return undefined;
    return port.complete(run, step, { outcome: 'happened', detail: { eventId: cause.event.id, eventType: cause.event.type, at: port.now().toISOString() }, next: step.happened ?? null, lastEvent: cause.event, hold });
  }
  if (step.type === 'wait') return port.complete(run, step, { outcome: 'elapsed', detail: { at: port.now().toISOString() }, next: step.next ?? null, hold });
  return port.complete(run, step, { outcome: 'timedOut', detail: { at: port.now().toISOString() }, next: step.timedOut ?? null, hold });
}

/** A waitFor's timeout: its duration, or earlier its `until` date (e.g. the appointment minus 2 hours), when the run has that date. */
async function waitForTimeout(run: Run, step: Extract<Step, { type: 'waitFor' }>, now: Date, port: AutomationPort): Promise<Date> {
  const after = new Date(now.getTime() + durationMs(step.timeout));
  if (!step.until) return after;
  const contact = await port.contact(run);
  const date = dateValue(readPath(contextOf(contact, run.trigger, run.lastEvent), step.until.field), contact?.timeZone ?? 'Europe/Paris');
  if (!date) return after;
  const limit = new Date(date.toMillis() + offsetMs(step.until.offset));
  return limit < after ? limit : after;
}

async function execute(run: Run, step: Step, record: StepRecord, port: AutomationPort): Promise<Completion | 'suspended'> {
  const now = port.now();
  switch (step.type) {
    case 'wait': {
      let until = typeof record.detail.until === 'string' ? new Date(record.detail.until) : undefined;
      if (!until) {
        const contact = await port.contact(run);
        const end = waitEnd(step.wait, contextOf(contact, run.trigger, run.lastEvent), contact?.timeZone ?? 'Europe/Paris', now, await port.quietHours(run.tenantId));
        if (end.kind === 'noDate') {
          const skip = step.wait.kind === 'untilDate' && step.wait.ifPast === 'exit';
          return skip
            ? { outcome: 'skipped', detail: { reason: end.reason }, next: null, end: { status: 'completed', reason: `step "${step.id}": ${end.reason}` } }
            : { outcome: 'skipped', detail: { reason: end.reason }, next: step.next ?? null };
        }
        until = end.at;
      }
      if (until.getTime() <= now.getTime()) {
        if (step.wait.kind === 'untilDate' && step.wait.ifPast === 'exit' && record.state === 'started') {
          return { outcome: 'skipped', detail: { until: until.toISOString(), reason: 'the date is past' }, next: null, end: { status: 'completed', reason: `step "${step.id}": the date ${until.toISOString()} is past` } };
        }
        return { outcome: 'elapsed', detail: { until: until.toISOString() }, next: step.next ?? null };
      }
      await port.suspend(run, step, until, undefined, { until: until.toISOString() });
      return 'suspended';
    }
    case 'waitFor': {
      const timeoutAt = typeof record.detail.timeoutAt === 'string' ? new Date(record.detail.timeoutAt) : await waitForTimeout(run, step, now, port);
      if (timeoutAt.getTime() <= now.getTime()) return { outcome: 'timedOut', detail: { timeoutAt: timeoutAt.toISOString() }, next: step.timedOut ?? null };
      const key = step.match.by === 'key' ? runMatchKey(step.match, contextOf(await port.contact(run), run.trigger, run.lastEvent)) : null;
      await port.suspend(run, step, timeoutAt, { type: step.event, key }, { timeoutAt: timeoutAt.toISOString() });
      return 'suspended';
    }
    case 'condition': {
      const contact = await port.contact(run);
      const result = await evaluate(step.if, contextOf(contact, run.trigger, run.lastEvent), port.facts(run), now);
      return { outcome: result ? 'yes' : 'no', next: (result ? step.yes : step.no) ?? null };
    }
    case 'action':
      return { ...(await act(run, step, step.action, record, port)), next: step.next ?? null };
    case 'goto': {
      const done = run.gotos[step.id] ?? 0;
      if (done < step.maxRotations) {
        return { outcome: 'looped', detail: { loop: done + 1, of: step.maxRotations }, next: step.target, rotation: run.rotation + 1, gotos: { ...run.gotos, [step.id]: done + 1 } };
      }
      return { outcome: 'limitReached', detail: { loops: done }, next: step.then ?? null };
    }
    case 'exit':
      return { outcome: 'exited', next: null, end: { status: 'completed', reason: `exit step "${step.id}"` } };
  }
}

async function act(run: Run, step: Step, action: Action, record: StepRecord, port: AutomationPort): Promise<Omit<Completion, 'next'>> {
  const key = effectKey(run, step.id, run.rotation);
  switch (action.kind) {
    case 'sendSms':
    case 'sendEmail': {
      const sent = await port.send(run, step, action, key);
      return { outcome: 'sent', detail: { messageId: sent.messageId, status: sent.status, scheduledFor: sent.scheduledFor?.toISOString() ?? null } };
    }
    case 'updateContact':
      await port.updateContact(run, { firstName: action.firstName, lastName: action.lastName, attributes: action.attributes });
      return { outcome: 'done' };
    case 'addToList':
    case 'removeFromList':
      await port.list(run, action.kind === 'addToList' ? 'add' : 'remove', action.listId);
      return { outcome: 'done', detail: { listId: action.listId } };
    case 'changeScore': {
      // The target is fixed before the write, so a retry sets the same value instead of adding twice.
      let target = typeof record.detail.target === 'number' ? record.detail.target : undefined;
      if (target === undefined) {
        const current = (await port.contact(run))?.attributes[action.attribute];
        target = (typeof current === 'number' ? current : Number(current ?? 0) || 0) + action.by;
        await port.note(run, step, { target });
      }
      await port.updateContact(run, { attributes: { [action.attribute]: target } });
      return { outcome: 'done', detail: { attribute: action.attribute, target } };
    }
    case 'publishEvent': {
      const published = await port.publish(run, action.event, action.data, key);
      return { outcome: 'done', detail: { eventId: published.eventId, type: action.event } };
    }
    case 'connector':
      return connectorAction(run, step, action, record, key, port);
  }
}

/**
 * A connector action: the input rendered for this run, then the call. Its result is noted on the
 * step's record before the run moves on, so a job redelivered after a crash between the two takes
 * the result up again instead of acting twice (the idempotency key covers connectors whose system
 * dedupes; for the others, a crash during the call itself may act twice: at least once).
 */
async function connectorAction(run: Run, step: Step, action: Extract<Action, { kind: 'connector' }>, record: StepRecord, key: string, port: AutomationPort): Promise<Omit<Completion, 'next'>> {
  const name = `${action.connector}.${action.action}`;
  const base = { connector: action.connector, action: action.action };
  if (Object.hasOwn(record.detail, 'output')) return { outcome: 'done', detail: { ...base, output: record.detail.output ?? null } };
  const context = actionTemplateContext(await port.contact(run), run.trigger);
  const rendered = renderActionInput({ ...(action.installation === undefined ? {} : { installation: action.installation }), input: action.input }, context, 'action');
  if (!rendered.ok) throw new StepFailure(`${name}: ${rendered.problems.join('; ')}`);
  const installation = rendered.input.installation;
  const call: ConnectorCall = { ...base, installation: installation === undefined ? undefined : String(installation), input: rendered.input.input as Record<string, unknown> };
  let result: { output: unknown; installationId?: string | undefined };
  try {
    result = await port.connector(run, call, key);
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    const attempts = (typeof record.detail.attempts === 'number' ? record.detail.attempts : 0) + 1;
    const message = error instanceof Error ? error.message : String(error);
    if (port.now().getTime() - record.startedAt.getTime() >= CONNECTOR_RETRY_WINDOW_MS) {
      throw new StepFailure(`${name} kept failing for ${CONNECTOR_RETRY_WINDOW_MS / 3_600_000} h (${attempts} attempts), last: ${message}`);
    }
    // In the run's history while it retries: GET /v1/scenario-runs shows the step started, with its last error.
    await port.note(run, step, { attempts, lastError: message.slice(0, 1000) });
    throw error;
  }
  const detail = { ...base, ...(result.installationId === undefined ? {} : { installationId: result.installationId }), output: result.output ?? null };
  await port.note(run, step, detail);
  return { outcome: 'done', detail };
}
