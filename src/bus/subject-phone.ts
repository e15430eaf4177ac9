/**
 * `subject.phone` of every published event, in one place: whatever the source (the API, a connector,
 * the hub itself), the phone is stored in E.164, national numbers read in the tenant's region, the
 * same rule as contacts, opt-outs and sending (docs/contacts.md). Scenarios, webhooks and message
 * filters can then match an event's phone against a contact's or a message's.
 *
 * What happens to a phone that is not a number depends on who typed it:
 * - `refuse` (POST /v1/events): the caller can fix it, so the event is refused with `subject.phone`.
 * - `drop` (connectors, the hub's own events): the external system sent it and will not send it again
 *   any better; the event is kept, the phone left out of its subject and reported in `dropped` (the
 *   connector inbox records it as a note). The event's `data` keeps what the system sent. A number
 *   of a plausible length in a range the metadata does not know yet is kept, as the opt-out list does.
 */
import type { EventSubject } from './trigger-event.ts';

/**
 * The phone rule itself belongs to the contacts part (`tenantPhoneNormalizer` in
 * src/contacts/tenant-region.ts), which publishes through the bus: the composition root hands the
 * rule to the bus as this port, so the bus stays below contacts. `acceptPossible` also accepts a
 * number of a plausible length in a range the numbering metadata does not know yet.
 */
export type SubjectPhoneNormalizer = (tenantId: string, phone: string, options: { acceptPossible?: boolean }) => Promise<{ ok: true; e164: string } | { ok: false; message: string }>;

export type InvalidPhonePolicy = 'refuse' | 'drop';

export interface SubjectIssue {
  path: string;
  message: string;
}

/** A published event whose `subject.phone` is not a phone number, under the `refuse` policy. */
export class InvalidSubjectError extends Error {
  readonly issues: SubjectIssue[];

  constructor(issues: SubjectIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'InvalidSubjectError';
    this.issues = issues;
  }
}

export async function normalizeSubject(
  normalizePhone: SubjectPhoneNormalizer,
  tenantId: string,
  subject: EventSubject,
  policy: InvalidPhonePolicy,
): Promise<{ subject: EventSubject; dropped: SubjectIssue[] }> {
  if (subject.phone === undefined) return { subject, dropped: [] };
  const strict = await normalizePhone(tenantId, subject.phone, {});
  if (strict.ok) return { subject: { ...subject, phone: strict.e164 }, dropped: [] };
  const issue = { path: 'subject.phone', message: strict.message };
  if (policy === 'refuse') throw new InvalidSubjectError([issue]);
  const possible = await normalizePhone(tenantId, subject.phone, { acceptPossible: true });
  if (possible.ok) return { subject: { ...subject, phone: possible.e164 }, dropped: [] };
  const { phone: _dropped, ...rest } = subject;
  return { subject: rest, dropped: [issue] };
}
