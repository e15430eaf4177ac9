/**
 * The in-memory port and run registry: the simulator's world. One contact, a virtual clock, timers
 * instead of queue jobs, and a timeline of everything the interpreter did. Sends go through the
 * sending core's pure `prepareSms`/`prepareEmail` (render, opt-out mention, encoding, consent,
 * quiet hours), so the timeline shows the text and the moment the hub would really send.
 */
import { normalizePhone } from '../contacts/phone.ts';
import type { Contact } from '../contacts/contacts.ts';
import type { QuietHoursPolicy } from '../sending/compliance/index.ts';
import { prepareEmail, prepareSms } from '../sending/prepare.ts';
import type { EmailItem, SmsItem } from '../sending/requests.ts';
import type { SendingSettings } from '../sending/settings.ts';
import type { Facts, MessageStatusValue } from './predicates.ts';
import { StepFailure, type AutomationPort, type Completion, type SendResult } from './interpreter.ts';
import { messageItem, type SendAction } from './message-item.ts';
import type { NewRun, RunRegistry } from './on-event.ts';
import type { ContactSnapshot } from './reactions.ts';
import { END_RECORD, ENTRY_RECORD, isLive, type Run, type RunEvent, type StepRecord } from './run.ts';
import type { Step } from './scenario.ts';

export type TimelineEntry =
  | { at: string; kind: 'event'; type: string; eventId: string; data: Record<string, unknown> }
  | { at: string; kind: 'entered'; runId: string; reason: string }
  | { at: string; kind: 'notEntered'; reason: string }
  | { at: string; kind: 'step'; runId: string; step: string; rotation: number; outcome: string; next: string | null; detail: Record<string, unknown> }
  | { at: string; kind: 'waiting'; runId: string; step: string; rotation: number; until: string; forEvent: string | null }
  | { at: string; kind: 'message'; runId: string; step: string; channel: 'sms' | 'email'; status: string; sendAt: string; to: string; text: string; subject: string | null; blockReason: string | null; segments: number | null }
  | { at: string; kind: 'contactUpdated'; runId: string; changes: Record<string, unknown> }
  | { at: string; kind: 'list'; runId: string; change: 'add' | 'remove'; listId: string }
  | { at: string; kind: 'published'; runId: string; type: string; data: Record<string, unknown> }
  | { at: string; kind: 'connector'; runId: string; connector: string; action: string; input: Record<string, unknown> }
  | { at: string; kind: 'ended'; runId: string; status: string; reason: string };

export interface Timer {
  at: number;
  runId: string;
  stepId: string;
  rotation: number;
}

export interface SimulatedContact extends ContactSnapshot {
  consent: { sms: 'granted' | 'withdrawn' | 'unknown'; email: 'granted' | 'withdrawn' | 'unknown' };
  lists: Set<string>;
  segments: Set<string>;
  optedOut: { sms: boolean; email: boolean };
}

export interface MemoryWorldOptions {
  tenantId: string;
  scenarioId: string;
  contact: SimulatedContact;
  start: Date;
  settings: SendingSettings;
  /** The status every sent message reaches (what messageStatus conditions see). */
  messageStatus: MessageStatusValue;
}

export class MemoryWorld {
  clock: number;
  readonly timeline: TimelineEntry[] = [];
  readonly runs = new Map<string, Run>();
  readonly records = new Map<string, StepRecord>();
  readonly timers: Timer[] = [];
  /** Events that actions published, for the driver to play at the current time. */
  readonly published: RunEvent[] = [];
  readonly #sent = new Map<string, SendResult>();
  readonly #waitingFor = new Map<string, { type: string; key: string | null }>();
  readonly #options: MemoryWorldOptions;
  #runCount = 0;
  #messageCount = 0;
  #eventCount = 0;

  constructor(options: MemoryWorldOptions) {
    this.#options = options;
    this.clock = options.start.getTime();
  }

  get contact(): SimulatedContact {
    return this.#options.contact;
  }

  nowIso(): string {
    return new Date(this.clock).toISOString();
  }

  nextEventId(): string {
    return `sim_evt_${++this.#eventCount}`;
  }

  recordsOf(runId: string): StepRecord[] {
    return [...this.records.values()].filter((record) => record.runId === runId);
  }

  readonly port: AutomationPort = {
    now: () => new Date(this.clock),
    contact: async () => this.#options.contact,
    facts: (run) => this.facts(run.id),
    quietHours: async (): Promise<QuietHoursPolicy> => this.#options.settings.quietHours,
    enter: async (run, step) => {
      const stored = this.runs.get(run.id);
      if (!stored || stored.moves !== run.moves || stored.stepId !== step.id) return undefined;
      const key = recordKey(run.id, step.id, run.rotation);
      let record = this.records.get(key);
      if (!record) {
        record = { runId: run.id, stepId: step.id, rotation: run.rotation, type: step.type, state: 'started', outcome: null, detail: {}, next: null, startedAt: new Date(this.clock), finishedAt: null };
        this.records.set(key, record);
      }
      return { ...record, detail: { ...record.detail } };
    },
    note: async (run, step, detail) => {
      const record = this.records.get(recordKey(run.id, step.id, run.rotation));
      if (record) record.detail = { ...record.detail, ...detail };
    },
    complete: async (run, step, completion) => this.#complete(run, step, completion),
    suspend: async (run, step, until, waitingFor, detail) => {
      const stored = this.runs.get(run.id);
      if (!stored || stored.moves !== run.moves) return undefined;
      const record = this.records.get(recordKey(run.id, step.id, run.rotation))!;
      record.state = 'waiting';
      record.detail = { ...record.detail, ...detail };
      const next: Run = { ...stored, status: 'waiting', wakeAt: until, moves: stored.moves + 1 };
      this.runs.set(run.id, next);
      if (waitingFor) this.#waitingFor.set(run.id, waitingFor);
      this.timers.push({ at: until.getTime(), runId: run.id, stepId: step.id, rotation: run.rotation });
      this.timeline.push({ at: this.nowIso(), kind: 'waiting', runId: run.id, step: step.id, rotation: run.rotation, until: until.toISOString(), forEvent: waitingFor?.type ?? null });
      return next;
    },
    send: async (run, step, action, idempotencyKey) => {
      const done = this.#sent.get(idempotencyKey);
      if (done) return done;
      const result = this.#send(run, step, action);
      this.#sent.set(idempotencyKey, result);
      return result;
    },
    updateContact: async (run, patch) => {
      const contact = this.#options.contact;
      if (patch.firstName !== undefined) contact.firstName = patch.firstName;
      if (patch.lastName !== undefined) contact.lastName = patch.lastName;
      for (const [name, value] of Object.entries(patch.attributes ?? {})) {
        if (value === null) delete contact.attributes[name];
        else contact.attributes[name] = value;
      }
      this.timeline.push({ at: this.nowIso(), kind: 'contactUpdated', runId: run.id, changes: { ...patch } });
    },
    list: async (run, change, listId) => {
      if (change === 'add') this.#options.contact.lists.add(listId);
      else this.#options.contact.lists.delete(listId);
      this.timeline.push({ at: this.nowIso(), kind: 'list', runId: run.id, change, listId });
    },
    publish: async (run, type, data) => {
      const event: RunEvent = { id: this.nextEventId(), type, source: 'automation', occurredAt: this.nowIso(), data };
      this.published.push(event);
      this.timeline.push({ at: this.nowIso(), kind: 'published', runId: run.id, type, data });
      return { eventId: event.id };
    },
    connector: async (run, call) => {
      this.timeline.push({ at: this.nowIso(), kind: 'connector', runId: run.id, connector: call.connector, action: call.action, input: call.input });
      return { output: null };
    },
  };

  facts(runId: string): Facts {
    const contact = this.#options.contact;
    return {
      inList: async (listId) => contact.lists.has(listId),
      consent: async (channel) => contact.consent[channel],
      inSegment: async (segmentId) => contact.segments.has(segmentId),
      messageStatus: async (stepId) => {
        const records = this.recordsOf(runId).filter((record) => record.stepId === stepId && typeof record.detail.messageId === 'string');
        const latest = records.sort((a, b) => b.rotation - a.rotation)[0];
        if (!latest) return 'none';
        return latest.detail.status === 'blocked' ? 'blocked' : this.#options.messageStatus;
      },
    };
  }

  readonly registry: RunRegistry = {
    liveRuns: async (_scenarioId, contactId) => [...this.runs.values()].filter((run) => run.contactId === contactId && isLive(run.status)),
    waitingByKey: async (_scenarioId, eventType, keys) =>
      [...this.runs.values()].filter((run) => {
        const waiting = this.#waitingFor.get(run.id);
        return run.status === 'waiting' && waiting?.type === eventType && waiting.key !== null && keys.includes(waiting.key);
      }),
    start: async (init: NewRun, decide) => {
      const earlier = [...this.runs.values()].filter((run) => run.contactId === init.contactId && run.key === init.key);
      const last = earlier.map((run) => run.startedAt.getTime()).sort((a, b) => b - a)[0];
      const decision = decide({ live: earlier.some((run) => isLive(run.status)), lastStartedAt: last === undefined ? undefined : new Date(last) });
      if (!decision.start) return { reason: decision.reason };
      const id = `sim_run_${++this.#runCount}`;
      const first = init.definition.steps[0]!.id;
      const run: Run = {
        id,
        tenantId: this.#options.tenantId,
        scenarioId: init.scenario.id,
        version: init.version,
        contactId: init.contactId,
        key: init.key,
        status: 'active',
        stepId: first,
        rotation: 0,
        gotos: {},
        trigger: init.trigger,
        lastEvent: null,
        moves: 0,
        wakeAt: null,
        startedAt: new Date(this.clock),
        endedAt: null,
        endReason: null,
      };
      this.runs.set(id, run);
      this.records.set(recordKey(id, ENTRY_RECORD, 0), { runId: id, stepId: ENTRY_RECORD, rotation: 0, type: 'entry', state: 'done', outcome: 'entered', detail: { reason: init.reason, key: init.key }, next: first, startedAt: new Date(this.clock), finishedAt: new Date(this.clock) });
      this.timeline.push({ at: this.nowIso(), kind: 'entered', runId: id, reason: init.reason });
      return { run };
    },
    exit: async (run, event) => {
      const stored = this.runs.get(run.id);
      if (!stored || !isLive(stored.status)) return false;
      const reason = `exit event ${event.type}`;
      this.#end(stored, 'exited', reason, { eventId: event.id, eventType: event.type });
      return true;
    },
  };

  #end(run: Run, status: 'completed' | 'exited' | 'cancelled' | 'failed', reason: string, detail: Record<string, unknown>): Run {
    const ended: Run = { ...run, status, stepId: null, wakeAt: null, endedAt: new Date(this.clock), endReason: reason, moves: run.moves + 1 };
    this.runs.set(run.id, ended);
    this.#waitingFor.delete(run.id);
    // Pending wake-ups of the run are cancelled, as the engine cancels its queue job.
    for (let index = this.timers.length - 1; index >= 0; index--) if (this.timers[index]!.runId === run.id) this.timers.splice(index, 1);
    this.records.set(recordKey(run.id, END_RECORD, 0), { runId: run.id, stepId: END_RECORD, rotation: 0, type: 'end', state: 'done', outcome: status === 'exited' ? 'exited' : status === 'failed' ? 'failed' : 'done', detail: { ...detail, reason }, next: null, startedAt: new Date(this.clock), finishedAt: new Date(this.clock) });
    this.timeline.push({ at: this.nowIso(), kind: 'ended', runId: run.id, status, reason });
    return ended;
  }

  #complete(run: Run, step: Step, completion: Completion): Run | undefined {
    const stored = this.runs.get(run.id);
    if (!stored || stored.moves !== run.moves) return undefined;
    const record = this.records.get(recordKey(run.id, step.id, run.rotation))!;
    record.state = completion.outcome === 'failed' ? 'failed' : 'done';
    record.outcome = completion.outcome;
    record.detail = { ...record.detail, ...completion.detail };
    record.next = completion.next;
    record.finishedAt = new Date(this.clock);
    this.timeline.push({ at: this.nowIso(), kind: 'step', runId: run.id, step: step.id, rotation: run.rotation, outcome: completion.outcome, next: completion.next, detail: record.detail });
    const moved: Run = {
      ...stored,
      stepId: completion.next,
      rotation: completion.rotation ?? stored.rotation,
      gotos: completion.gotos ?? stored.gotos,
      lastEvent: completion.lastEvent ?? stored.lastEvent,
      status: completion.hold ? 'held' : 'active',
      wakeAt: null,
      moves: stored.moves + 1,
    };
    this.runs.set(run.id, moved);
    this.#waitingFor.delete(run.id);
    for (let index = this.timers.length - 1; index >= 0; index--) if (this.timers[index]!.runId === run.id) this.timers.splice(index, 1);
    if (completion.next === null) {
      const end = completion.end ?? { status: 'completed' as const, reason: `end of the branch after step "${step.id}"` };
      return this.#end(moved, end.status, end.reason, {});
    }
    return moved;
  }

  #send(run: Run, step: Step, action: SendAction): SendResult {
    const contact = this.#options.contact;
    const channel = action.kind === 'sendSms' ? 'sms' : 'email';
    // A send with `to` goes to that number or address (a merchant alert, transactional): not the contact's consent or opt-out.
    const fixed = action.to;
    const phoneText = channel === 'sms' ? (fixed ?? contact.phone) : contact.phone;
    const phone = phoneText === null ? undefined : normalizePhone(phoneText);
    const address = channel === 'sms' ? (phone?.ok ? phone.e164 : undefined) : (fixed ?? contact.email ?? undefined);
    const recipient = {
      // An alert is not the contact's message: sent to its number alone, as the hub does (message-item.ts).
      contact: fixed === undefined ? ({ ...contact, source: 'simulation', createdAt: new Date(this.clock), updatedAt: new Date(this.clock) } as unknown as Contact) : undefined,
      address,
      mobile: channel === 'sms' ? phone?.ok === true && phone.mobile : false,
      consent: fixed === undefined ? contact.consent[channel] : 'unknown',
      optedOut: fixed === undefined ? contact.optedOut[channel] : false,
    };
    const id = `sim${String(++this.#messageCount).padStart(7, '0')}`;
    const now = new Date(this.clock);
    const common = { id, recipient, event: undefined, settings: this.#options.settings, now, plannedAt: now, plannedReason: null, linkBase: 'https://hub.example' } as const;
    // A survey question's link as long as the hub's (survey-links.ts), so the segment count is the real one.
    const surveyUrl = action.kind === 'sendSms' && action.survey?.via === 'page' ? `https://hub.example/s/${'S'.repeat(12)}.${'s'.repeat(22)}` : undefined;
    const item = messageItem(action, run, { contact, surveyUrl });
    const event = 'event' in item && item.event ? { ...item.event, data: item.event.data } : undefined;
    const prepared =
      action.kind === 'sendSms'
        ? prepareSms({ ...common, event, item: item as SmsItem })
        : prepareEmail({ ...common, event, item: item as EmailItem, unsubscribe: { url: 'https://hub.example/unsubscribe/simulation', token: 'simulation' } });
    if (!prepared.ok) throw new StepFailure(prepared.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    const draft = prepared.draft;
    this.timeline.push({
      at: this.nowIso(),
      kind: 'message',
      runId: run.id,
      step: step.id,
      channel,
      status: draft.status,
      sendAt: draft.runAt.toISOString(),
      to: draft.to,
      text: draft.text,
      subject: draft.email?.subject ?? null,
      blockReason: draft.blockReason,
      segments: draft.segments,
    });
    return { messageId: id, status: draft.status, scheduledFor: draft.status === 'scheduled' ? draft.runAt : null };
  }
}

export function recordKey(runId: string, stepId: string, rotation: number): string {
  return `${runId}|${stepId}|${rotation}`;
}
