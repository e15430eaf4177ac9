/**
 * Pure decisions the engine and the simulator share: the context predicates and keys read, the
 * entry key and entry rules, and whether an arriving event belongs to a run (waitFor, exit events).
 */
import { durationMs } from './duration.ts';
import { evaluate, readPath, type Facts, type PredicateContext } from './predicates.ts';
import type { Entry, Match, ScenarioDefinition } from './scenario.ts';
import type { RunEvent } from './run.ts';

/** The contact as predicates and templates read it (the template variables' shape). */
export interface ContactSnapshot {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
  timeZone: string;
  attributes: Record<string, unknown>;
  externalIds: Record<string, string>;
}

export function contextOf(contact: ContactSnapshot | undefined, event: RunEvent | null, lastEvent: RunEvent | null): PredicateContext {
  return { contact: contact ?? null, event, lastEvent };
}

/** The run key: "" per contact; the key's value per contact and key; the date trigger's occurrence date. */
export function entryKey(definition: ScenarioDefinition, context: PredicateContext): string | undefined {
  const { entry, trigger } = definition;
  const parts: string[] = [];
  if (trigger.kind === 'date') parts.push(String(readPath(context, 'event.data.date')));
  if (entry.per === 'contactAndKey') {
    const value = readPath(context, entry.key!);
    if (value === undefined || value === null || value === '' || typeof value === 'object') return undefined;
    parts.push(String(value));
  }
  return parts.join('|');
}

export type EntryDecision = { start: true } | { start: false; reason: string };

/**
 * Whether a contact (and key) may start a run now, given its earlier runs of this scenario (any
 * version). One live run at a time is also enforced by a unique index.
 */
export function entryDecision(entry: Entry, previous: { live: boolean; lastStartedAt: Date | undefined }, now: Date): EntryDecision {
  if (previous.live) return { start: false, reason: 'a run of this contact (and key) is still going' };
  if (previous.lastStartedAt === undefined) return { start: true };
  if (!entry.reentry) return { start: false, reason: 're-entry is not allowed and this contact (and key) already went through' };
  if (entry.minDelay !== undefined) {
    const minDelay = durationMs(entry.minDelay);
    if (now.getTime() - previous.lastStartedAt.getTime() < minDelay) return { start: false, reason: `re-entry needs ${entry.minDelay} since the last start (${previous.lastStartedAt.toISOString()})` };
  }
  return { start: true };
}

/** The value a key match compares on the run's side; null when the run has none. */
export function runMatchKey(match: Match, context: PredicateContext): string | null {
  if (match.by !== 'key') return null;
  const value = readPath(context, match.equals);
  return value === undefined || value === null || typeof value === 'object' ? null : String(value);
}

export function eventMatchKey(match: Match, event: RunEvent): string | null {
  if (match.by !== 'key') return null;
  const value = readPath(event, match.field);
  return value === undefined || value === null || typeof value === 'object' ? null : String(value);
}

/**
 * Whether an arriving event belongs to a run: by contact (the event's contact is the run's, and
 * `where` holds with lastEvent = the arriving event), or by key (its field equals the run's value).
 */
export async function eventMatches(
  match: Match,
  run: { contactId: string; context: PredicateContext },
  arriving: { event: RunEvent; contactId: string | undefined },
  facts: Facts,
  now: Date,
): Promise<boolean> {
  if (match.by === 'key') {
    const expected = runMatchKey(match, run.context);
    return expected !== null && eventMatchKey(match, arriving.event) === expected;
  }
  if (arriving.contactId !== run.contactId) return false;
  return match.where === undefined || evaluate(match.where, { ...run.context, lastEvent: arriving.event }, facts, now);
}
