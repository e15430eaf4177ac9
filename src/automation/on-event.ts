/**
 * What an arriving event does to one scenario, in order: it ends the contact's runs it is an exit
 * event of; it wakes the runs waiting for it (waitFor); then it may start a run (trigger, filter,
 * entry rules). The engine calls this from the bus with the store behind `RunRegistry`; the
 * simulator with its memory. Both then advance the runs this answers.
 */
import type { Facts } from './predicates.ts';
import { evaluate } from './predicates.ts';
import { wake, type AutomationPort } from './interpreter.ts';
import { contextOf, entryDecision, entryKey, eventMatches, eventMatchKey, type ContactSnapshot, type EntryDecision } from './reactions.ts';
import type { Run, RunEvent } from './run.ts';
import { stepById, triggerEventTypes, type ScenarioDefinition } from './scenario.ts';

export interface ScenarioHandle {
  id: string;
  tenantId: string;
  status: 'draft' | 'active' | 'paused' | 'archived';
  /** The version new runs start on; null before the first activation. */
  activeVersion: number | null;
  /** The newest version; versions are numbered from 1 and never change. */
  latestVersion: number;
  definition(version: number): Promise<ScenarioDefinition>;
}

export interface NewRun {
  scenario: ScenarioHandle;
  version: number;
  definition: ScenarioDefinition;
  contactId: string;
  key: string;
  trigger: RunEvent;
  /** Why the run started, for its history. */
  reason: string;
}

export interface RunRegistry {
  /** The contact's live runs of this scenario (any version). */
  liveRuns(scenarioId: string, contactId: string): Promise<Run[]>;
  /** Runs of the scenario waiting (waitFor) for this event type with one of these keys. */
  waitingByKey(scenarioId: string, eventType: string, keys: string[]): Promise<Run[]>;
  /**
   * Creates the run at its first step if `decide` allows it given the contact and key's earlier runs,
   * atomically (two events at once cannot both pass a "no re-entry" rule). Also refused when the
   * trigger event already started a run (a redelivery).
   */
  start(run: NewRun, decide: (history: EntryHistory) => EntryDecision): Promise<{ run: Run } | { run?: undefined; reason: string }>;
  /** Ends a live run because of an exit event (and cancels its pending wake-up); false when it was no longer live. */
  exit(run: Run, event: RunEvent): Promise<boolean>;
}

/** Earlier runs of a contact and key: whether one is live, when the last started. */
export interface EntryHistory {
  live: boolean;
  lastStartedAt: Date | undefined;
}

export interface EventReaction {
  exited: Run[];
  woken: Run[];
  started: Run | undefined;
  /** Why no run started, when the event is this scenario's trigger. */
  notStarted: string | undefined;
}

export interface ArrivingEvent {
  event: RunEvent;
  /** The contact the event is about, resolved by the caller; undefined when it names none. */
  contact: ContactSnapshot | undefined;
}

/** Whether this event is the scenario's trigger (type, and segment for segment triggers). */
export function isTriggerEvent(definition: ScenarioDefinition, event: RunEvent): boolean {
  const trigger = definition.trigger;
  if (trigger.kind === 'event') return triggerEventTypes(trigger).includes(event.type);
  if (trigger.kind === 'segment') return event.type === 'segment.entered' && event.data.segmentId === trigger.segmentId;
  return false;
}

/** An event the run already used (its trigger, or the event its last waitFor took) does not act on it again: bus redeliveries. */
const seenBy = (run: Run, event: RunEvent) => event.id !== null && (run.trigger?.id === event.id || run.lastEvent?.id === event.id);

export async function reactToEvent(
  scenario: ScenarioHandle,
  arriving: ArrivingEvent,
  deps: { registry: RunRegistry; port: AutomationPort; facts: (contactId: string) => Facts },
): Promise<EventReaction> {
  const { registry, port } = deps;
  const { event, contact } = arriving;
  const now = port.now();
  const reaction: EventReaction = { exited: [], woken: [], started: undefined, notStarted: undefined };
  const definitions = new Map<number, ScenarioDefinition>();
  const definitionOf = async (version: number) => {
    let definition = definitions.get(version);
    if (!definition) definitions.set(version, (definition = await scenario.definition(version)));
    return definition;
  };
  const hold = scenario.status !== 'active';

  // 1. Exit events, then waitFor by contact, over the contact's live runs.
  const live = contact ? await registry.liveRuns(scenario.id, contact.id) : [];
  const remaining: Run[] = [];
  for (const run of live) {
    if (seenBy(run, event)) continue;
    const definition = await definitionOf(run.version);
    const runContext = { contactId: run.contactId, context: contextOf(contact, run.trigger, run.lastEvent) };
    let exited = false;
    for (const exit of definition.exitEvents) {
      if (exit.event !== event.type) continue;
      if (await eventMatches(exit.match, runContext, { event, contactId: contact?.id }, deps.facts(run.contactId), now)) {
        exited = await registry.exit(run, event);
        if (exited) reaction.exited.push(run);
        break;
      }
    }
    if (!exited) remaining.push(run);
  }
  const tryWake = async (run: Run) => {
    if (run.status !== 'waiting' || run.stepId === null || seenBy(run, event)) return;
    const definition = await definitionOf(run.version);
    const step = stepById(definition, run.stepId);
    if (step?.type !== 'waitFor' || step.event !== event.type) return;
    const runContact = run.contactId === contact?.id ? contact : await port.contact(run);
    const matches = await eventMatches(step.match, { contactId: run.contactId, context: contextOf(runContact, run.trigger, run.lastEvent) }, { event, contactId: contact?.id }, deps.facts(run.contactId), now);
    if (!matches) return;
    const woken = await wake(run, definition, port, { kind: 'event', event }, { hold });
    if (woken) reaction.woken.push(woken);
  };
  for (const run of remaining) await tryWake(run);

  // 2. waitFor by key: runs of any contact whose key the event carries.
  const keyed = new Set<string>();
  for (let version = 1; version <= scenario.latestVersion; version++) {
    for (const step of (await definitionOf(version)).steps) {
      if (step.type !== 'waitFor' || step.event !== event.type || step.match.by !== 'key') continue;
      const key = eventMatchKey(step.match, event);
      if (key !== null) keyed.add(key);
    }
  }
  if (keyed.size > 0) {
    const already = new Set([...reaction.woken, ...reaction.exited].map((run) => run.id));
    for (const run of await registry.waitingByKey(scenario.id, event.type, [...keyed])) if (!already.has(run.id)) await tryWake(run);
  }

  // 3. Entry.
  if (scenario.status !== 'active' || scenario.activeVersion === null) return reaction;
  const definition = await definitionOf(scenario.activeVersion);
  if (!isTriggerEvent(definition, event)) return reaction;
  if (!contact) {
    reaction.notStarted = 'the event names no contact (subject with a contactId, phone, email or known external id)';
    return reaction;
  }
  const context = contextOf(contact, event, null);
  if (definition.trigger.filter && !(await evaluate(definition.trigger.filter, context, deps.facts(contact.id), now))) {
    reaction.notStarted = 'the trigger filter does not match';
    return reaction;
  }
  const started = await startRun(scenario, definition, contact, event, registry, now, `event ${event.type}${event.id ? ` ${event.id}` : ''}`);
  if (started.run) reaction.started = started.run;
  else reaction.notStarted = started.reason;
  return reaction;
}

/** Entry rules, then the run: shared by event triggers and the yearly date trigger. */
export async function startRun(
  scenario: ScenarioHandle,
  definition: ScenarioDefinition,
  contact: ContactSnapshot,
  trigger: RunEvent,
  registry: RunRegistry,
  now: Date,
  reason: string,
): Promise<{ run: Run; reason?: undefined } | { run?: undefined; reason: string }> {
  const key = entryKey(definition, contextOf(contact, trigger, null));
  if (key === undefined) return { reason: `the entry key ${definition.entry.key} has no value in this event` };
  return registry.start({ scenario, version: scenario.activeVersion!, definition, contactId: contact.id, key, trigger, reason }, (history) => entryDecision(definition.entry, history, now));
}
