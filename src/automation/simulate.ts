/**
 * Simulation: a contact and the events it will produce, against a virtual clock → the timeline of
 * what the scenario would do and send, when. Nothing is stored and no message leaves. It runs the
 * hub's own interpreter and event reactions (interpreter.ts, on-event.ts) on the in-memory port
 * (memory-port.ts): timers stand in for queue jobs, and the clock jumps from one due moment to the
 * next, so a year of waits simulates in milliseconds.
 */
import { z } from 'zod';
import { EmailSchema, TimeZoneSchema } from '../contacts/schemas.ts';
import type { SendingSettings } from '../sending/settings.ts';
import { durationMs, DurationSchema, offsetMs } from './duration.ts';
import { advance, wake } from './interpreter.ts';
import { MemoryWorld, type SimulatedContact, type TimelineEntry } from './memory-port.ts';
import { reactToEvent, startRun, type ScenarioHandle } from './on-event.ts';
import { MessageStatusValue, evaluate } from './predicates.ts';
import { contextOf } from './reactions.ts';
import type { Run, RunEvent, RunStatus, StepRecord } from './run.ts';
import { EventTypeNameSchema, type ScenarioDefinition } from './scenario.ts';
import { dateTriggerEvent, yearlyOccurrence } from './wait-time.ts';

const InstantOrOffset = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)) || /^\+/.test(value), { error: 'an ISO instant ("2026-12-01T10:00:00+01:00") or an offset from start ("+3d", "+36h")' })
  .refine((value) => !/^\+/.test(value) || DurationSchema.safeParse(value.slice(1)).success || value === '+0s', { error: 'an offset such as "+3d", "+36h" or "+90s"' });

export const SimulatedContactSchema = z
  .object({
    firstName: z.string().max(100).nullable().default(null),
    lastName: z.string().max(100).nullable().default(null),
    email: EmailSchema.nullable().default(null),
    phone: z.string().max(64).nullable().default(null),
    locale: z.string().max(35).nullable().default(null),
    timeZone: TimeZoneSchema.default('Europe/Paris'),
    attributes: z.record(z.string(), z.json()).default({}),
    externalIds: z.record(z.string(), z.string()).default({}),
    consent: z.object({ sms: z.enum(['granted', 'withdrawn', 'unknown']).default('granted'), email: z.enum(['granted', 'withdrawn', 'unknown']).default('granted') }).prefault({}),
    optedOut: z.object({ sms: z.boolean().default(false), email: z.boolean().default(false) }).prefault({}),
    lists: z.array(z.string()).max(100).default([]),
    segments: z.array(z.string()).max(100).default([]),
  })
  .strict()
  .meta({ id: 'SimulatedContact' });

export const SimulationInputSchema = z
  .object({
    contact: SimulatedContactSchema.prefault({}).describe('The contact to simulate (consent defaults to granted).'),
    start: z.iso.datetime({ offset: true }).optional().describe('Where the virtual clock starts; default now.'),
    events: z
      .array(
        z
          .object({
            at: InstantOrOffset.default('+0s'),
            type: EventTypeNameSchema,
            data: z.record(z.string(), z.unknown()).default({}),
            source: z.string().max(40).default('simulation'),
            otherContact: z.boolean().default(false).describe('true: the event is about someone else (it matches only by key).'),
          })
          .strict(),
      )
      .max(500)
      .default([])
      .describe('Events the contact will produce, in any order: the trigger, purchases, an unsubscribe…'),
    horizon: DurationSchema.default('400d').describe('How far the virtual clock may run.'),
    messageStatus: MessageStatusValue.default('delivered').describe('The status sent messages reach (what messageStatus conditions see).'),
  })
  .strict()
  .meta({ id: 'SimulationInput' });
export type SimulationInput = z.infer<typeof SimulationInputSchema>;
export type SimulationInputBody = z.input<typeof SimulationInputSchema>;

export interface SimulationResult {
  start: string;
  end: string;
  timeline: TimelineEntry[];
  messages: Extract<TimelineEntry, { kind: 'message' }>[];
  runs: { id: string; status: RunStatus; endReason: string | null; steps: StepRecord[] }[];
  /** True when the horizon cut the simulation short with runs still going. */
  truncated: boolean;
}

/** Stops a simulation that would not end (a scenario whose loops re-enter without bound). */
const MAX_ITERATIONS = 20_000;

const SIMULATED_CONTACT_ID = 'con_simulated';

export async function simulate(definition: ScenarioDefinition, input: SimulationInput, env: { tenantId: string; scenarioId: string; settings: SendingSettings; now: Date }): Promise<SimulationResult> {
  const start = input.start === undefined ? env.now : new Date(input.start);
  const end = start.getTime() + durationMs(input.horizon);
  const contact: SimulatedContact = {
    id: SIMULATED_CONTACT_ID,
    ...input.contact,
    attributes: { ...input.contact.attributes },
    lists: new Set(input.contact.lists),
    segments: new Set(input.contact.segments),
  };
  const world = new MemoryWorld({ tenantId: env.tenantId, scenarioId: env.scenarioId, contact, start, settings: env.settings, messageStatus: input.messageStatus });
  const scenario: ScenarioHandle = { id: env.scenarioId, tenantId: env.tenantId, status: 'active', activeVersion: 1, latestVersion: 1, definition: async () => definition };
  const facts = () => world.facts('');
  const deps = { registry: world.registry, port: world.port, facts };

  type Pending = { at: number; order: number; event: RunEvent; otherContact: boolean };
  let order = 0;
  const pending: Pending[] = input.events.map((event) => ({
    at: event.at.startsWith('+') ? start.getTime() + offsetMs(event.at.slice(1)) : Date.parse(event.at),
    order: order++,
    otherContact: event.otherContact,
    event: { id: null, type: event.type, source: event.source, occurredAt: '', data: event.data },
  }));
  // The yearly date trigger: each occurrence within the horizon is a moment to try an entry.
  const dates: { at: number; event: RunEvent }[] = [];
  if (definition.trigger.kind === 'date') {
    const trigger = definition.trigger;
    const field = trigger.field.replace(/^contact\.attributes\./, '');
    for (let year = new Date(start).getUTCFullYear() - 1; year <= new Date(end).getUTCFullYear() + 1; year++) {
      const occurrence = yearlyOccurrence(contact.attributes[field], year, trigger.offsetDays, trigger.at, contact.timeZone);
      if (occurrence && occurrence.toMillis() >= start.getTime() && occurrence.toMillis() <= end) dates.push({ at: occurrence.toMillis(), event: dateTriggerEvent(trigger.field, occurrence) });
    }
  }

  const runAdvance = async (run: Run | undefined) => {
    if (run) await advance(run, definition, world.port);
  };
  let iterations = 0;
  for (;;) {
    if (++iterations > MAX_ITERATIONS) throw new Error(`the simulation took more than ${MAX_ITERATIONS} steps: the scenario loops without end`);
    // Events an action published are played at once.
    const published = world.published.shift();
    if (published) {
      pending.push({ at: world.clock, order: order++, event: published, otherContact: false });
    }
    const nextEvent = pending.reduce<Pending | undefined>((best, item) => (!best || item.at < best.at || (item.at === best.at && item.order < best.order) ? item : best), undefined);
    const nextTimer = world.timers.reduce<(typeof world.timers)[number] | undefined>((best, timer) => (!best || timer.at < best.at ? timer : best), undefined);
    const nextDate = dates[0]?.at;
    const candidates = [nextEvent?.at, nextTimer?.at, nextDate].filter((at): at is number => at !== undefined);
    if (candidates.length === 0) break;
    const at = Math.min(...candidates);
    if (at > end) break;
    world.clock = Math.max(world.clock, at);
    if (nextEvent && nextEvent.at === at) {
      pending.splice(pending.indexOf(nextEvent), 1);
      const event = { ...nextEvent.event, id: nextEvent.event.id ?? world.nextEventId(), occurredAt: world.nowIso() };
      world.timeline.push({ at: world.nowIso(), kind: 'event', type: event.type, eventId: event.id, data: event.data });
      const reaction = await reactToEvent(scenario, { event, contact: nextEvent.otherContact ? undefined : contact }, deps);
      if (reaction.notStarted) world.timeline.push({ at: world.nowIso(), kind: 'notEntered', reason: reaction.notStarted });
      for (const run of reaction.woken) await runAdvance(run);
      await runAdvance(reaction.started);
    } else if (nextDate === at) {
      const { event } = dates.shift()!;
      const trigger = definition.trigger;
      const passes = !trigger.filter || (await evaluate(trigger.filter, contextOf(contact, event, null), facts(), world.port.now()));
      const started = passes ? await startRun(scenario, definition, contact, event, world.registry, world.port.now(), `date ${event.data.date}`) : { reason: 'the trigger filter does not match' };
      if (started.run) await runAdvance(started.run);
      else world.timeline.push({ at: world.nowIso(), kind: 'notEntered', reason: started.reason });
    } else if (nextTimer) {
      world.timers.splice(world.timers.indexOf(nextTimer), 1);
      const run = world.runs.get(nextTimer.runId);
      if (run && run.stepId === nextTimer.stepId && run.rotation === nextTimer.rotation) await runAdvance(await wake(run, definition, world.port, { kind: 'timer' }));
    }
  }
  const runs = [...world.runs.values()];
  return {
    start: start.toISOString(),
    end: new Date(Math.min(end, Math.max(world.clock, start.getTime()))).toISOString(),
    timeline: world.timeline,
    messages: world.timeline.filter((entry): entry is Extract<TimelineEntry, { kind: 'message' }> => entry.kind === 'message'),
    runs: runs.map((run) => ({ id: run.id, status: run.status, endReason: run.endReason, steps: world.recordsOf(run.id) })),
    truncated: runs.some((run) => run.status === 'waiting' || run.status === 'active'),
  };
}
