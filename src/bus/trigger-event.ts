import { z } from 'zod';

/** Who or what an event is about; connectors fill what they know, the contacts module resolves the rest. */
export const EventSubjectSchema = z
  .object({
    contactId: z.string().min(1).max(64).optional(),
    phone: z.string().min(3).max(32).optional(),
    email: z.email().max(254).optional(),
    externalIds: z.record(z.string().min(1).max(64), z.string().min(1).max(256)).optional(),
  })
  .strict()
  .meta({ id: 'EventSubject' });

export type EventSubject = z.infer<typeof EventSubjectSchema>;

/** A system name: `woocommerce`, `salesforce`, `api`, `hub`… (lower-case slug). */
export const EventSourceSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,39}$/, 'expected a lower-case slug of 2 to 40 characters (letters, digits, hyphens), e.g. "woocommerce"');

/**
 * Version 1 of the normalized event every connector produces. `dedupeKey` is unique per tenant and
 * source: a second publish with the same key is absorbed and returns the first event's id.
 */
export interface TriggerEvent {
  id: string;
  tenantId: string;
  source: string;
  type: string;
  occurredAt: Date;
  receivedAt: Date;
  dedupeKey: string;
  subject: EventSubject;
  data: Record<string, unknown>;
}

export interface PublishInput {
  tenantId: string;
  source: string;
  type: string;
  dedupeKey?: string;
  occurredAt?: Date;
  subject?: EventSubject;
  data: Record<string, unknown>;
  /**
   * A `subject.phone` that is not a phone number: `refuse` throws `InvalidSubjectError` (input a
   * caller can fix, POST /v1/events); `drop` (default) publishes without it and reports it in
   * `dropped` (connectors and the hub's own events). See src/bus/subject-phone.ts.
   */
  invalidPhone?: 'refuse' | 'drop';
}

export interface PublishResult {
  id: string;
  duplicate: boolean;
  /** Subject fields left out because they were invalid (`invalidPhone: 'drop'`). */
  dropped?: { path: string; message: string }[];
}

/** The JSON shape of an event in the API, in webhook deliveries and in Zapier samples: one shape everywhere. */
export const PublicEventSchema = z
  .object({
    id: z.string(),
    version: z.literal(1),
    type: z.string(),
    source: z.string(),
    occurredAt: z.string(),
    receivedAt: z.string(),
    dedupeKey: z.string(),
    subject: EventSubjectSchema,
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Event' });

export type PublicEvent = z.infer<typeof PublicEventSchema>;

export function toPublicEvent(event: TriggerEvent): PublicEvent {
  return {
    id: event.id,
    version: 1,
    type: event.type,
    source: event.source,
    occurredAt: event.occurredAt.toISOString(),
    receivedAt: event.receivedAt.toISOString(),
    dedupeKey: event.dedupeKey,
    subject: event.subject,
    data: event.data,
  };
}
