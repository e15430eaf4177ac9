/**
 * The shapes of send requests, at the API and for in-process callers (automation, connectors).
 * Every text field is a template (template.ts); plain text without `{{` renders as itself.
 */
import { z } from 'zod';
import { EmailSchema } from '../contacts/schemas.ts';
import { UnprocessableError } from '../errors.ts';
import { MessageCategory } from './message.ts';
import { EmailSenderSchema, SmsSenderSchema } from './settings.ts';
import { StaggerSchema } from './throughput.ts';

/** A batch holds at most this many messages; larger sends are several batches (or an automation). */
export const MAX_BATCH = 1_000;

const EventInputSchema = z
  .object({
    type: z.string().min(1).max(100).optional(),
    source: z.string().min(1).max(40).optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .strict()
  .describe('Event data for {{ event.data.… }} variables, given inline.');

const common = {
  contactId: z.string().min(1).max(64).optional().describe('The recipient as a contact of this tenant (its phone or email, consent, time zone and fields).'),
  category: MessageCategory.describe('"marketing" (needs consent; STOP mention; quiet hours) or "transactional" (order, delivery, appointment: exempt).'),
  sendAt: z.iso.datetime({ offset: true }).optional().describe('Do not send before this instant (quiet hours may push it later).'),
  eventId: z.string().min(1).max(64).optional().describe('A stored event (GET /v1/events) whose data the template reads as {{ event.data.… }}.'),
  event: EventInputSchema.optional(),
};

function recipientAndEvent(item: { to?: string | undefined; contactId?: string | undefined; eventId?: string | undefined; event?: unknown }, ctx: z.RefinementCtx): void {
  if (item.to === undefined && item.contactId === undefined) ctx.addIssue({ code: 'custom', path: ['to'], message: 'give the recipient: "to" (a phone number or email address) or "contactId"' });
  if (item.eventId !== undefined && item.event !== undefined) ctx.addIssue({ code: 'custom', path: ['event'], message: 'give either eventId or event, not both' });
}

export const SmsItemSchema = z
  .object({
    to: z.string().trim().min(1).max(64).optional().describe('Phone number, E.164 ("+33612345678") or national in the tenant\'s region ("06 12 34 56 78"). With contactId: overrides the contact\'s phone.'),
    ...common,
    text: z.string().max(5_000).refine((text) => text.trim().length > 0, { error: 'text is empty' }).describe('The SMS text, a template: "Bonjour {{ contact.firstName | default: \\"client\\" }}".'),
    from: SmsSenderSchema.optional().describe('Sender id; default: the tenant\'s defaultSender.sms, else the provider\'s.'),
  })
  .strict()
  .superRefine(recipientAndEvent)
  .meta({ id: 'SmsRequest' });
export type SmsItem = z.infer<typeof SmsItemSchema>;

/** An appointment attached to an email as an .ics file (src/sending/ics.ts); each field a template. */
export const CalendarEntryInputSchema = z
  .object({
    uid: z.string().min(1).max(500).describe('Stable per appointment: a later email with the same uid updates the entry in the customer\'s calendar.'),
    start: z.string().min(1).max(200).describe('ISO 8601 instant, e.g. "{{ event.data.start.at }}".'),
    end: z.string().min(1).max(200).describe('ISO 8601 instant after start.'),
    summary: z.string().min(1).max(1_000),
    location: z.string().max(1_000).optional(),
    description: z.string().max(5_000).optional(),
  })
  .strict()
  .describe('Attaches the appointment as an iCalendar file (rendez-vous.ics, METHOD:PUBLISH) the recipient adds to their calendar.');
export type CalendarEntryInput = z.infer<typeof CalendarEntryInputSchema>;

export const EmailItemSchema = z
  .object({
    to: EmailSchema.optional().describe('Email address. With contactId: overrides the contact\'s email.'),
    ...common,
    subject: z.string().max(998).refine((text) => text.trim().length > 0, { error: 'subject is empty' }).describe('Subject, a template.'),
    text: z.string().max(200_000).refine((text) => text.trim().length > 0, { error: 'text is empty' }).describe('Plain-text body, a template.'),
    html: z.string().max(1_000_000).optional().describe('HTML body, a template (values are HTML-escaped).'),
    from: EmailSenderSchema.optional().describe('Default: the tenant\'s defaultSender.email.'),
    replyTo: EmailSchema.optional(),
    calendarEntry: CalendarEntryInputSchema.optional(),
  })
  .strict()
  .superRefine(recipientAndEvent)
  .meta({ id: 'EmailRequest' });
export type EmailItem = z.infer<typeof EmailItemSchema>;

const batchOf = <Item extends z.ZodType>(item: Item, id: string) =>
  z
    .object({
      messages: z.array(item).min(1, { error: 'a batch holds at least one message' }).max(MAX_BATCH, { error: `a batch holds at most ${MAX_BATCH} messages` }),
      stagger: StaggerSchema.optional(),
    })
    .strict()
    .meta({ id });

export const SmsBatchSchema = batchOf(SmsItemSchema, 'SmsBatchRequest');
export const EmailBatchSchema = batchOf(EmailItemSchema, 'EmailBatchRequest');

export type SendRequest =
  | { channel: 'sms'; items: SmsItem[]; batch: boolean; stagger?: z.infer<typeof StaggerSchema> | undefined }
  | { channel: 'email'; items: EmailItem[]; batch: boolean; stagger?: z.infer<typeof StaggerSchema> | undefined };

export interface FieldIssue {
  path: string;
  message: string;
}

/** Bad input: nothing was stored or queued. `issues` name fields relative to the request body. */
export class SendInputError extends Error {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; '));
    this.name = 'SendInputError';
    this.issues = issues;
  }
}

/**
 * An Idempotency-Key already used with a different request. Callers that derive the key from their
 * own data (the ready rules) read it as "that message was already sent": the first request's is the one.
 */
export class IdempotencyKeyReusedError extends UnprocessableError {
  constructor(key: string) {
    super(`Idempotency-Key "${key}" was already used with a different request; use a new key for a new send.`, [
      { path: 'headers.idempotency-key', message: 'already used with a different request' },
    ]);
  }
}

/** zod path → "messages[3].text". */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out === '' ? String(segment) : `${out}.${String(segment)}`), '');
}

/**
 * Reads an API body: a batch when it has `messages`, else one message.
 * @throws SendInputError listing every invalid field.
 */
export function parseSendBody(channel: 'sms' | 'email', body: unknown): SendRequest {
  const isBatch = typeof body === 'object' && body !== null && 'messages' in body;
  const schema = channel === 'sms' ? (isBatch ? SmsBatchSchema : SmsItemSchema) : isBatch ? EmailBatchSchema : EmailItemSchema;
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new SendInputError(parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })));
  if (isBatch) {
    const batch = parsed.data as { messages: (SmsItem | EmailItem)[]; stagger?: z.infer<typeof StaggerSchema> };
    return { channel, items: batch.messages, batch: true, stagger: batch.stagger } as SendRequest;
  }
  return { channel, items: [parsed.data], batch: false } as SendRequest;
}
