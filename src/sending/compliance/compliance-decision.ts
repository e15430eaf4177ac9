/**
 * The compliance step of the sending pipeline (DESIGN §7), as one pure decision: send now, defer to a
 * later instant, or block. No I/O: the caller brings the contact's consent and opt-out state, the
 * current time and the tenant's quiet-hours policy.
 *
 * Rules, in order:
 * 1. Opt-out blocks marketing, always, on the channel it was given for. Transactional messages are
 *    exempt. Reason: the French opt-out ("STOP au 36xxx", L34-5 CPCE; the af2m charter's "droit
 *    d'opposition à la réception de messages publicitaires") is an objection to *prospection*; order
 *    confirmations, delivery notices, appointment reminders and security codes are part of a service
 *    the person asked for (GDPR art. 6(1)(b)) and travel on separate transactional short codes (38xxx),
 *    so a STOP sent to the marketing code must not silence them. A broader "no messages at all"
 *    request is a contact-level deletion/objection handled by the contacts part, which then simply
 *    has nothing to send to. The category is the sender's declaration: abuse of "transactional" for
 *    promotions is a content-policy matter for the API that accepts it, not something this step can see.
 * 2. Marketing needs consent "granted" (L34-5 CPCE: prior opt-in for SMS and email to individuals).
 *    "unknown" is not consent. The soft opt-in for existing customers (similar products) is recorded
 *    by the contacts part as a granted consent with its legal basis, so it arrives here as "granted".
 * 3. Quiet hours apply to marketing SMS only. Email has none by default (it waits in an inbox);
 *    transactional messages are exempt (af2m charter: "sauf pour les messages à usages fonctionnels").
 *    Outside the window the message is deferred to the next allowed instant, never dropped.
 * The time zone is only read for marketing SMS; it must be the contact's (the caller falls back to
 * the tenant's zone when the contact has none).
 */
import { z } from 'zod';
import { assertValidInstant } from './local-time.ts';
import { isSendAllowed, nextAllowedInstant } from './quiet-hours.ts';
import type { QuietHoursPolicy } from './quiet-hours.ts';

export const MessageCategory = z.enum(['marketing', 'transactional']);
export type MessageCategory = z.infer<typeof MessageCategory>;

export const MessageChannel = z.enum(['sms', 'email']);
export type MessageChannel = z.infer<typeof MessageChannel>;

export const ConsentStatus = z.enum(['granted', 'withdrawn', 'unknown']);
export type ConsentStatus = z.infer<typeof ConsentStatus>;

export const ComplianceDecision = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('send'), at: z.date() }),
  z.object({ kind: z.literal('defer'), until: z.date(), reason: z.literal('quiet_hours') }),
  z.object({ kind: z.literal('block'), reason: z.enum(['opted_out', 'no_consent']) }),
]);
export type ComplianceDecision = z.infer<typeof ComplianceDecision>;

export interface ComplianceInput {
  category: MessageCategory;
  channel: MessageChannel;
  /** The contact's marketing consent for this channel. */
  consent: ConsentStatus;
  /** The contact is on the tenant's opt-out list for this channel. */
  optedOut: boolean;
  now: Date;
  /** The contact's IANA time zone. */
  timeZone: string;
  policy: QuietHoursPolicy;
}

export function complianceDecision(input: ComplianceInput): ComplianceDecision {
  const { category, channel, consent, optedOut, timeZone, policy } = input;
  const now = new Date(assertValidInstant(input.now, 'now'));
  if (category === 'transactional') return { kind: 'send', at: now };
  if (optedOut) return { kind: 'block', reason: 'opted_out' };
  if (consent !== 'granted') return { kind: 'block', reason: 'no_consent' };
  if (channel === 'sms' && !isSendAllowed(now, timeZone, policy)) {
    return { kind: 'defer', until: nextAllowedInstant(now, timeZone, policy), reason: 'quiet_hours' };
  }
  return { kind: 'send', at: now };
}
