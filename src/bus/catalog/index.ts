import { z } from 'zod';
import { formatPath } from '../../gateway/problem.ts';
import { commerceEvents } from './commerce.ts';
import { contactEvents } from './contacts.ts';
import type { EventType } from './define.ts';
import { marketingEvents } from './marketing.ts';
import { messagingEvents } from './messaging.ts';

export type { EventType } from './define.ts';

const entries: EventType[] = [...commerceEvents, ...marketingEvents, ...messagingEvents, ...contactEvents];

/**
 * Every event type the hub knows: the core's, then those connectors contribute (`contributeEventTypes`).
 * Types named `custom.<name>` are open: any system can publish its own events (any JSON object as data)
 * without a catalog entry.
 */
export const eventCatalog: readonly EventType[] = entries;

const byType = new Map(entries.map((entry) => [entry.type, entry]));
/** Who contributed a type that is not the core's (a connector id). */
const contributors = new Map<string, string>();

/**
 * Adds a part's or a connector's event types to the catalog (schema + example, like the core's). The same
 * contributor adding the same type again changes nothing (modules are composed more than once in tests); a type
 * that exists from elsewhere is refused: one name, one meaning.
 */
export function contributeEventTypes(contributor: string, types: readonly EventType[]): void {
  for (const entry of types) {
    const known = byType.get(entry.type);
    if (known) {
      if (contributors.get(entry.type) === contributor) continue;
      throw new Error(`${contributor} contributes the event type "${entry.type}", already in the catalog (${contributors.get(entry.type) ?? 'core'})`);
    }
    if (CUSTOM_EVENT_TYPE.test(entry.type)) throw new Error(`${contributor}: "${entry.type}" is a custom.* name, open to everyone; pick a catalog name`);
    const parsed = entry.data.safeParse(entry.example);
    if (!parsed.success) throw new Error(`${contributor}: the example of "${entry.type}" does not match its schema: ${parsed.error.message}`);
    entries.push(entry);
    byType.set(entry.type, entry);
    contributors.set(entry.type, contributor);
  }
}

/** The contributor of a catalog type: `core`, or the connector that added it. */
export function eventTypeContributor(type: string): string | undefined {
  return byType.has(type) ? (contributors.get(type) ?? 'core') : undefined;
}

export const CUSTOM_EVENT_TYPE = /^custom\.[a-z0-9][a-z0-9_.-]{0,62}$/;

export function findEventType(type: string): EventType | undefined {
  return byType.get(type);
}

export type DataCheck = { ok: true; data: Record<string, unknown> } | { ok: false; problem: string; issues: { path: string; message: string }[] };

/** Validates `data` against the type's schema; unknown types are refused with the list of known ones. */
export function checkEventData(type: string, data: unknown): DataCheck {
  const entry = byType.get(type);
  if (!entry) {
    if (CUSTOM_EVENT_TYPE.test(type)) {
      const parsed = z.record(z.string(), z.unknown()).safeParse(data);
      return parsed.success ? { ok: true, data: parsed.data } : { ok: false, problem: 'data must be a JSON object', issues: [{ path: 'data', message: 'expected an object' }] };
    }
    return {
      ok: false,
      problem: `Unknown event type "${type}". Use a catalog type (GET /v1/event-types) or a custom type named "custom.<name>".`,
      issues: [{ path: 'type', message: 'unknown event type' }],
    };
  }
  const parsed = entry.data.safeParse(data);
  if (parsed.success) return { ok: true, data: parsed.data as Record<string, unknown> };
  return {
    ok: false,
    problem: `data does not match the schema of "${type}"`,
    issues: parsed.error.issues.map((issue) => ({ path: formatPath(issue.path, 'data'), message: issue.message })),
  };
}
