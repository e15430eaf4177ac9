/**
 * The automation engine on the hub: a subscriber source of the bus (scenario triggers, exit events
 * and waitFor events arrive as deliveries), the queue workers that advance runs and end their
 * waits, the sweeper that finds runs whose job was lost, the yearly date trigger's scan, and the
 * lifecycle operations the API calls (activate, pause, archive, cancel).
 *
 * Every handler reads the stored state first and every transition is compare-and-set, so jobs and
 * deliveries may run twice (crash, redelivery) without a step acting twice.
 */
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { targetsByTenantAndType, type DeliveryOutcome, type RetryPolicy, type SubscriberSource } from '../bus/subscribers.ts';
import type { TriggerEvent } from '../bus/trigger-event.ts';
import { CONTACTS_READ_MODEL } from '../contacts/read-model.ts';
import { advance, wake, type AutomationPort } from './interpreter.ts';
import { reactToEvent, startRun, type RunRegistry, type ScenarioHandle } from './on-event.ts';
import { evaluate } from './predicates.ts';
import { contextOf, type ContactSnapshot } from './reactions.ts';
import {
  activeRunsOfEvent,
  endRun,
  getRun,
  holdRun,
  insertRun,
  liveRunIds,
  liveRunsByStep,
  liveRunsOf,
  releaseHeld,
  runsWaitingByKey,
  strandedRuns,
  type StoredRun,
} from './run-store.ts';
import type { RunEvent } from './run.ts';
import type { ScenarioDefinition } from './scenario.ts';
import { definitionOf, getScenario, scenariosForEvent, setScenarioStatus, updateScenario, type Scenario, type ScenarioStatus } from './scenario-store.ts';
import { ADVANCE_JOB, contactSnapshot, storeFacts, storePort, WAKE_JOB, WAKE_JOB_OPTIONS, wakeJobId, type AdvanceJob, type StorePortDeps, type WakeJob } from './store-port.ts';
import { dateTriggerEvent } from './wait-time.ts';

const SWEEP_JOB = 'automation.sweep';
const DATES_JOB = 'automation.dates';

export interface AutomationTuning {
  /** A waiting run this overdue, or an active run untouched this long, lost its job: the sweeper enqueues it again. */
  strandedAfterMs: number;
  sweepEveryMs: number;
  /** How often the yearly date triggers (birthdays) are scanned. */
  datesEveryMs: number;
  /** Runs advanced at once per process (advance and wake jobs each). */
  concurrency: number;
}

export const DEFAULT_AUTOMATION_TUNING: AutomationTuning = { strandedAfterMs: 60_000, sweepEveryMs: 10_000, datesEveryMs: 60_000, concurrency: 16 };

/** A definition change refused because contacts stand on steps it removes. */
export class StepInUseError extends Error {
  readonly steps: { version: number; stepId: string; count: number }[];

  constructor(steps: { version: number; stepId: string; count: number }[]) {
    super(
      `${steps.map((step) => `${step.count} contact(s) are on step "${step.stepId}" (version ${step.version})`).join('; ')}. ` +
        'Running contacts finish on the version they started, so they would still go through it. Keep the step, ' +
        `or end those runs first: POST /v1/scenarios/{id}/cancel-runs with { "step": "${steps[0]!.stepId}" }.`,
    );
    this.name = 'StepInUseError';
    this.steps = steps;
  }
}

export type AutomationEngineDeps = Omit<StorePortDeps, 'clock'> & { log: Logger; clock?: () => Date; tuning?: Partial<AutomationTuning> };

const toRunEvent = (event: TriggerEvent): RunEvent => ({
  id: event.id,
  type: event.type,
  source: event.source,
  occurredAt: event.occurredAt.toISOString(),
  data: event.data,
  subject: event.subject,
});

export class AutomationEngine implements SubscriberSource {
  readonly kind = 'scenario';
  readonly retry: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 60_000 };
  readonly #deps: StorePortDeps;
  readonly #log: Logger;
  readonly #port: AutomationPort;
  readonly #definitions = new Map<string, ScenarioDefinition>();
  #clock: () => Date;
  readonly #tuning: AutomationTuning;

  constructor(deps: AutomationEngineDeps) {
    this.#clock = deps.clock ?? (() => new Date());
    this.#log = deps.log;
    this.#tuning = { ...DEFAULT_AUTOMATION_TUNING, ...deps.tuning };
    this.#deps = { ...deps, clock: () => this.#clock() };
    this.#port = storePort(this.#deps);
  }

  get port(): AutomationPort {
    return this.#port;
  }

  /** Business time (tests move it; waits become queue delays relative to it). */
  useClock(clock: () => Date): void {
    this.#clock = clock;
  }

  now(): Date {
    return this.#clock();
  }

  // ---- the bus ---------------------------------------------------------------------------------

  targetsFor(event: TriggerEvent): Promise<string[]> {
    return scenariosForEvent(this.#deps.db, event.tenantId, event.type);
  }

  targetsForMany(events: readonly TriggerEvent[]): Promise<string[][]> {
    return targetsByTenantAndType(events, (tenantId, type) => scenariosForEvent(this.#deps.db, tenantId, type));
  }

  async deliver(scenarioId: string, event: TriggerEvent): Promise<DeliveryOutcome> {
    const scenario = await this.#handle(event.tenantId, scenarioId);
    if (!scenario || (scenario.status !== 'active' && scenario.status !== 'paused')) return { kind: 'delivered' };
    const contact = await this.#contactOf(event, await this.#runFor(scenario));
    const reaction = await reactToEvent(scenario, { event: toRunEvent(event), contact }, { registry: this.#registry, port: this.#port, facts: (id) => storeFacts(this.#deps, event.tenantId, id) });
    if (reaction.notStarted && reaction.notStarted !== 'the trigger filter does not match') this.#log.debug({ scenarioId, eventId: event.id, reason: reaction.notStarted }, 'scenario not entered');
    // Started and woken runs, including those of an earlier delivery of this event that stopped before enqueueing.
    for (const run of await activeRunsOfEvent(this.#deps.db, scenarioId, event.id)) await this.#enqueueAdvance(run);
    return { kind: 'delivered' };
  }

  /** The person a scenario's runs are for when its trigger says (`runFor`: an alert to the team), not the event's subject. */
  async #runFor(scenario: ScenarioHandle): Promise<{ phone: string } | undefined> {
    if (scenario.activeVersion === null) return undefined;
    const { trigger } = await scenario.definition(scenario.activeVersion);
    return trigger.kind === 'event' ? trigger.runFor : undefined;
  }

  /** The event's contact: its contactId when it is the tenant's (one read), else found or created from its phone, email or external ids; or the scenario's `runFor`. */
  async #contactOf(event: TriggerEvent, runFor: { phone: string } | undefined): Promise<ContactSnapshot | undefined> {
    const { contacts } = this.#deps;
    if (runFor) {
      const contactId = await contacts.contacts.resolveSubject(event.tenantId, { phone: runFor.phone }, 'automation');
      return contactId === undefined ? undefined : contactSnapshot(contacts, event.tenantId, contactId);
    }
    if (event.subject.contactId !== undefined) {
      const contact = await contactSnapshot(contacts, event.tenantId, event.subject.contactId);
      if (contact) return contact;
    }
    const contactId = await contacts.contacts.resolveSubject(event.tenantId, event.subject, event.source);
    return contactId === undefined ? undefined : contactSnapshot(contacts, event.tenantId, contactId);
  }

  readonly #registry: RunRegistry = {
    liveRuns: (scenarioId, contactId) => liveRunsOf(this.#deps.db, scenarioId, contactId),
    waitingByKey: (scenarioId, eventType, keys) => runsWaitingByKey(this.#deps.db, scenarioId, eventType, keys),
    start: (init, decide) =>
      insertRun(this.#deps.db, decide, {
        tenantId: init.scenario.tenantId,
        scenarioId: init.scenario.id,
        version: init.version,
        contactId: init.contactId,
        key: init.key,
        firstStep: init.definition.steps[0]!.id,
        trigger: init.trigger,
        reason: init.reason,
        now: this.#clock(),
      }),
    exit: async (run, event) => (await this.#end(run.id, 'exited', `exit event ${event.type}`, { eventId: event.id, eventType: event.type })) !== undefined,
  };

  // ---- workers ---------------------------------------------------------------------------------

  async startWorkers(): Promise<void> {
    const { queue } = this.#deps;
    const concurrency = this.#tuning.concurrency;
    queue.process<AdvanceJob>(ADVANCE_JOB, (job) => this.#advanceJob(job.data), { concurrency });
    queue.process<WakeJob>(WAKE_JOB, (job) => this.#wakeJob(job.data), { concurrency });
    queue.process(SWEEP_JOB, async () => void (await this.sweep()), { concurrency: 1 });
    queue.process(DATES_JOB, async () => void (await this.scanDates()), { concurrency: 1 });
    await queue.schedule('automation.sweep', SWEEP_JOB, this.#tuning.sweepEveryMs);
    await queue.schedule('automation.dates', DATES_JOB, this.#tuning.datesEveryMs);
  }

  async #enqueueAdvance(run: { id: string; moves: number; tenantId: string }, suffix = ''): Promise<void> {
    await this.#deps.queue.add(ADVANCE_JOB, { tenantId: run.tenantId, runId: run.id } satisfies AdvanceJob, {
      jobId: `auto.adv.${run.id}.${run.moves}${suffix}`,
      attempts: 10,
      backoff: { type: 'exponential', delayMs: 1_000 },
    });
  }

  async #advanceJob(data: AdvanceJob): Promise<void> {
    const run = await getRun(this.#deps.db, data.runId, data.tenantId);
    if (!run) return;
    if (run.status === 'waiting') return this.#ensureWake(run);
    if (run.status === 'active') await this.#advance(run);
  }

  async #wakeJob(data: WakeJob): Promise<void> {
    const run = await getRun(this.#deps.db, data.runId, data.tenantId);
    if (!run) return;
    // Woken before a crash cut the advance short: go on from where it stands.
    if (run.status === 'active') return this.#advance(run);
    if (run.status !== 'waiting' || run.stepId !== data.stepId || run.rotation !== data.rotation) return;
    const now = this.#clock();
    if (run.wakeAt && run.wakeAt.getTime() > now.getTime() + 1_000) {
      // Early (the business clock runs behind the queue's): wait the rest under a fresh job id.
      await this.#deps.queue.add(WAKE_JOB, data, { jobId: `${wakeJobId(run.id, run.stepId, run.rotation)}.${now.getTime()}`, delayMs: run.wakeAt.getTime() - now.getTime(), ...WAKE_JOB_OPTIONS });
      return;
    }
    const scenario = await this.#handle(run.tenantId, run.scenarioId);
    if (!scenario) return;
    if (scenario.status !== 'active') {
      await holdRun(this.#deps.db, run);
      return;
    }
    const definition = await this.#definition(run.scenarioId, run.version);
    const woken = await wake(run, definition, this.#port, { kind: 'timer' });
    if (woken) await advance(woken, definition, this.#port);
  }

  async #advance(run: StoredRun): Promise<void> {
    const scenario = await this.#handle(run.tenantId, run.scenarioId);
    if (!scenario) return;
    if (scenario.status !== 'active') {
      await holdRun(this.#deps.db, run);
      return;
    }
    await advance(run, await this.#definition(run.scenarioId, run.version), this.#port);
  }

  /** A waiting run's job, added again (same id: nothing happens when it is still there). */
  async #ensureWake(run: StoredRun): Promise<void> {
    if (run.stepId === null || run.wakeAt === null) return;
    await this.#deps.queue.add(WAKE_JOB, { tenantId: run.tenantId, runId: run.id, stepId: run.stepId, rotation: run.rotation } satisfies WakeJob, {
      jobId: run.wakeJob ?? wakeJobId(run.id, run.stepId, run.rotation),
      delayMs: Math.max(0, run.wakeAt.getTime() - this.#clock().getTime()),
      ...WAKE_JOB_OPTIONS,
    });
  }

  /**
   * Re-enqueues runs whose job was lost (a crash between storing a change and adding its job). The
   * jobs get their usual ids, so a job still there (a backlog, not a loss) absorbs the add and a
   * busy hub does not double its work; a run stranded for over an hour gets a fresh id, in case its
   * job ended without moving it (BullMQ keeps finished ids for a while and ignores their re-adds).
   */
  async sweep(strandedAfterMs = this.#tuning.strandedAfterMs): Promise<number> {
    const stranded = await strandedRuns(this.#deps.db, this.#clock(), strandedAfterMs, 500);
    for (const run of stranded) {
      const suffix = run.strandedMs > 3_600_000 ? `.sweep${Math.floor(Date.now() / 3_600_000)}` : '';
      if (run.status === 'active') await this.#enqueueAdvance(run, suffix);
      else if (run.stepId !== null) {
        await this.#deps.queue.add(WAKE_JOB, { tenantId: run.tenantId, runId: run.id, stepId: run.stepId, rotation: run.rotation } satisfies WakeJob, {
          jobId: `${wakeJobId(run.id, run.stepId, run.rotation)}${suffix}`,
          ...WAKE_JOB_OPTIONS,
        });
      }
    }
    if (stranded.length > 0) this.#log.warn({ runs: stranded.length }, 'automation sweeper re-enqueued runs overdue or untouched for long (a lost job, or a backlog)');
    return stranded.length;
  }

  /**
   * Wakes now the waiting runs whose moment has come on the business clock. The queue's delays follow the wall
   * clock, so when a test moves the business clock days ahead (a reminder the day before an appointment), this is
   * what makes the due waits end; each wake job checks the run's step and rotation, so one that also comes later
   * does nothing.
   */
  async wakeDue(limit = 500): Promise<number> {
    const now = this.#clock();
    const due = (await strandedRuns(this.#deps.db, now, 0, limit)).filter((run) => run.status === 'waiting' && run.stepId !== null);
    for (const run of due) {
      await this.#deps.queue.add(WAKE_JOB, { tenantId: run.tenantId, runId: run.id, stepId: run.stepId!, rotation: run.rotation } satisfies WakeJob, {
        jobId: `${wakeJobId(run.id, run.stepId!, run.rotation)}.due${now.getTime()}`,
        ...WAKE_JOB_OPTIONS,
      });
    }
    return due.length;
  }

  // ---- the yearly date trigger -----------------------------------------------------------------

  /**
   * Starts the runs of date-triggered scenarios due now: contacts whose date (month and day, shifted
   * by offsetDays) is today on their own calendar and whose local time is past the trigger's. The
   * run key is the local date, so each contact starts once per occurrence, whichever scan sees it
   * first; a scan after a restart catches up the same day.
   */
  async scanDates(): Promise<number> {
    const { db } = this.#deps;
    const now = this.#clock();
    const scenarios = await db.query<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM scenarios WHERE status = 'active' AND trigger_kind = 'date'`);
    let started = 0;
    for (const row of scenarios) {
      const scenario = await this.#handle(row.tenant_id, row.id);
      if (!scenario || scenario.activeVersion === null) continue;
      const definition = await this.#definition(row.id, scenario.activeVersion);
      const trigger = definition.trigger;
      if (trigger.kind !== 'date') continue;
      const attribute = trigger.field.replace(/^contact\.attributes\./, '');
      const due = await db.query<{ id: string; local_date: string; time_zone: string }>(
        `WITH local AS (
           SELECT c.id, c.time_zone, ($3::timestamptz AT TIME ZONE c.time_zone) AS at,
             substring(c.attributes->>$4 from '^(?:\\d{4}-|--)?(\\d{2}-\\d{2})') AS month_day
           FROM ${CONTACTS_READ_MODEL} c WHERE c.tenant_id = $1 AND c.attributes ? $4
         ), due AS (
           SELECT id, time_zone, at::date AS today, (at::date - $5::int) AS day, month_day FROM local WHERE at::time >= $6::time
         )
         SELECT id, to_char(today, 'YYYY-MM-DD') AS local_date, time_zone FROM due
         WHERE (month_day = to_char(day, 'MM-DD') OR (month_day = '02-29' AND to_char(day, 'MM-DD') = '02-28' AND to_char(make_date(extract(year FROM day)::int, 3, 1) - 1, 'DD') = '28'))
           AND NOT EXISTS (SELECT 1 FROM scenario_runs r WHERE r.scenario_id = $2 AND r.contact_id = due.id AND r.run_key = to_char(today, 'YYYY-MM-DD'))
         LIMIT 500`,
        [row.tenant_id, row.id, now, attribute, trigger.offsetDays, trigger.at],
      );
      for (const candidate of due) {
        const contact = await contactSnapshot(this.#deps.contacts, row.tenant_id, candidate.id);
        if (!contact) continue;
        const occurrence = DateTime.fromISO(`${candidate.local_date}T${trigger.at}`, { zone: candidate.time_zone });
        // The contact and date are the event's identity: the unique trigger index starts one run per occurrence.
        const event = { ...dateTriggerEvent(trigger.field, occurrence), id: `date:${contact.id}:${candidate.local_date}` };
        if (trigger.filter && !(await evaluate(trigger.filter, contextOf(contact, event, null), storeFacts(this.#deps, row.tenant_id, contact.id), now))) continue;
        const result = await startRun(scenario, definition, contact, event, this.#registry, now, `date ${event.data.date} (${trigger.field})`);
        if (result.run) {
          started++;
          await this.#enqueueAdvance(result.run);
        }
      }
    }
    return started;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async #handle(tenantId: string, scenarioId: string): Promise<ScenarioHandle | undefined> {
    const [row] = await this.#deps.db.query<{ status: ScenarioStatus; active_version: number | null; latest_version: number }>(
      'SELECT status, active_version, latest_version FROM scenarios WHERE tenant_id = $1 AND id = $2',
      [tenantId, scenarioId],
    );
    if (!row) return undefined;
    return {
      id: scenarioId,
      tenantId,
      status: row.status,
      activeVersion: row.active_version,
      latestVersion: row.latest_version,
      definition: (version) => this.#definition(scenarioId, version),
    };
  }

  /** Versions never change, so they are cached for the life of the process. */
  async #definition(scenarioId: string, version: number): Promise<ScenarioDefinition> {
    const key = `${scenarioId}@${version}`;
    let definition = this.#definitions.get(key);
    if (!definition) {
      definition = await definitionOf(this.#deps.db, scenarioId, version);
      if (!definition) throw new Error(`scenario ${scenarioId} has no version ${version}`);
      if (this.#definitions.size >= 10_000) this.#definitions.clear();
      this.#definitions.set(key, definition);
    }
    return definition;
  }

  async #end(runId: string, status: 'exited' | 'cancelled', reason: string, detail: Record<string, unknown>): Promise<StoredRun | undefined> {
    const ended = await endRun(this.#deps.db, runId, status, reason, detail, this.#clock());
    if (ended?.wakeJob) await this.#deps.queue.cancel(ended.wakeJob);
    return ended?.run;
  }

  /**
   * Saves a definition change; refused while contacts stand on a step the new definition drops
   * (they would still go through it on their version).
   */
  async update(tenantId: string, id: string, patch: Parameters<typeof updateScenario>[3]): Promise<Awaited<ReturnType<typeof updateScenario>>> {
    if (patch.definition) {
      const kept = new Set(patch.definition.steps.map((step) => step.id));
      const stranded = (await liveRunsByStep(this.#deps.db, id)).filter((row) => !kept.has(row.stepId));
      if (stranded.length > 0 && (await getScenario(this.#deps.db, tenantId, id))) throw new StepInUseError(stranded);
    }
    return updateScenario(this.#deps.db, tenantId, id, patch);
  }

  /** Activates (or resumes): new runs start on the latest version; held runs go on. */
  async activate(tenantId: string, id: string): Promise<Scenario | undefined> {
    const scenario = await setScenarioStatus(this.#deps.db, tenantId, id, 'active');
    if (!scenario) return undefined;
    for (;;) {
      const released = await releaseHeld(this.#deps.db, id, 500);
      for (const run of released) await this.#enqueueAdvance(run);
      if (released.length < 500) break;
    }
    return scenario;
  }

  /** Pauses: no new runs; runs hold where they are when their next step comes (exit events still end them). */
  pause(tenantId: string, id: string): Promise<Scenario | undefined> {
    return setScenarioStatus(this.#deps.db, tenantId, id, 'paused');
  }

  /** Archives: no new runs, and the running ones are cancelled. */
  async archive(tenantId: string, id: string): Promise<Scenario | undefined> {
    const scenario = await setScenarioStatus(this.#deps.db, tenantId, id, 'archived');
    if (scenario) await this.cancelRuns(tenantId, id, undefined, 'the scenario was archived');
    return scenario;
  }

  async cancelRun(tenantId: string, runId: string, reason = 'cancelled through the API'): Promise<StoredRun | undefined> {
    const run = await getRun(this.#deps.db, runId, tenantId);
    if (!run) return undefined;
    return (await this.#end(run.id, 'cancelled', reason, {})) ?? run;
  }

  async cancelRuns(tenantId: string, scenarioId: string, stepId: string | undefined, reason = 'cancelled through the API'): Promise<number> {
    let cancelled = 0;
    for (;;) {
      const ids = await liveRunIds(this.#deps.db, scenarioId, stepId, 500);
      for (const id of ids) if (await this.#end(id, 'cancelled', reason, {})) cancelled++;
      if (ids.length < 500) return cancelled;
    }
  }
}
