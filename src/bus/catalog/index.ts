import { z } from 'zod';
import { formatPath } from '../../gateway/problem.ts';
import { commerceEvents } from './commerce.ts';
import { contactEvents } from './contacts.ts';
import type { EventType } from './define.ts';
import { marketingEvents } from './marketing.ts';
import { messagingEvents } from './messaging.ts';

export type { EventType } from './define.ts';

/**
 * Every event type the hub knows. Types named `custom.<name>` are open: any system can publish its
 * own events (any JSON object as data) without a catalog entry.
 */
export const eventCatalog: readonly EventType[] = [...commerceEvents, ...marketingEvents, ...messagingEvents, ...contactEvents];

const byType = new Map(eventCatalog.map((entry) => [entry.type, entry]));

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
