/**
 * Incoming SMS (MO), the `ProviderSink.inbound` side: store the message, publish `sms.received`, and
 * when it starts with one of the tenant's opt-out keywords ("STOP", "STOP SMS", "ARRET"…), record the
 * opt-out through the contacts part, which withdraws the contact's consent and publishes
 * `contact.unsubscribed`. All of it before the sink resolves, so before the provider acknowledges:
 * an acknowledged STOP is never lost, and it takes effect within the same second.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone } from '../contacts/phone.ts';
import { cachedTenantPhoneRegion } from '../contacts/tenant-region.ts';
import { randomBase62 } from '../ids.ts';
import { findOptOutKeyword } from './compliance/index.ts';
import type { SendingDeps } from './deps.ts';
import type { InboundSms } from './providers/provider.ts';

/** A reply is linked to the last SMS sent to its author within this window. */
const REPLY_WINDOW_DAYS = 7;

export interface InboundResult {
  id: string;
  from: string;
  optOutKeyword: string | undefined;
  inReplyTo: string | undefined;
  duplicate: boolean;
}

/**
 * SMSCs give MO sources as national or international digits without "+" ("33612345678"): the E.164
 * number they are, or undefined when the sender is no phone number (a short code, an alphanumeric,
 * garbage). Numbers of a plausible length in ranges the metadata does not know yet are accepted:
 * a STOP from a newly opened range must not be lost (the opt-out list's rule).
 */
export function moSenderPhone(from: string, region: CountryCode): string | undefined {
  const direct = normalizePhone(from, region, { acceptPossible: true });
  if (direct.ok && (from.startsWith('+') || from.startsWith('0'))) return direct.e164;
  if (/^\d{8,15}$/.test(from)) {
    const international = normalizePhone(`+${from}`, region, { acceptPossible: true });
    if (international.ok) return international.e164;
  }
  return direct.ok ? direct.e164 : undefined;
}

export async function handleInbound(deps: SendingDeps, tenantId: string, sms: InboundSms): Promise<InboundResult> {
  const phone = moSenderPhone(sms.from, await cachedTenantPhoneRegion(deps.db, tenantId));
  // A sender that is no phone number is kept as it came: the message is stored and published all the same.
  const from = phone ?? sms.from.trim();
  const settings = await deps.settings.get(tenantId);
  const keyword = findOptOutKeyword(sms.text, settings.optOutKeywords);
  const [reply] = await deps.db.query<{ id: string }>(
    `SELECT id FROM messages WHERE tenant_id = $1 AND channel = 'sms' AND to_address = $2 AND status NOT IN ('accepted', 'scheduled', 'blocked')
       AND created_at > $3::timestamptz - make_interval(days => $4) ORDER BY seq DESC LIMIT 1`,
    [tenantId, from, sms.at, REPLY_WINDOW_DAYS],
  );
  // `mo_`: src/ids.ts has no prefix for inbound messages; this keeps the same shape as newId.
  const id = `mo_${randomBase62(20)}`;
  const [inserted] = await deps.db.query<{ id: string }>(
    `INSERT INTO inbound_sms (id, tenant_id, from_address, to_address, text, at, provider_message_id, opt_out_keyword, in_reply_to)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id, provider_message_id) DO NOTHING RETURNING id`,
    [id, tenantId, from, sms.to, sms.text, sms.at, sms.providerMessageId ?? null, keyword ?? null, reply?.id ?? null],
  );
  let storedId = inserted?.id;
  if (!storedId) {
    // The provider delivered the same MO again (our earlier acknowledgement was lost): redo the rest, idempotently.
    const [existing] = await deps.db.query<{ id: string }>('SELECT id FROM inbound_sms WHERE tenant_id = $1 AND provider_message_id = $2', [tenantId, sms.providerMessageId]);
    storedId = existing!.id;
  }
  const contact = phone === undefined ? undefined : await deps.contacts.findContact(tenantId, { phone });
  await deps.publisher.publish({
    tenantId,
    source: 'hub',
    type: 'sms.received',
    dedupeKey: `sms.received:${storedId}`,
    occurredAt: sms.at,
    subject: { ...(phone === undefined ? {} : { phone }), ...(contact ? { contactId: contact.id } : {}) },
    data: { from, to: sms.to, text: sms.text, messageId: storedId, ...(reply ? { inReplyToMessageId: reply.id } : {}) },
  });
  if (keyword !== undefined && phone !== undefined) {
    await deps.optOuts.optOut(tenantId, 'sms', phone, { source: `sms-keyword:${keyword.replace(/\s+/g, '-')}`, reason: sms.text.slice(0, 500), at: sms.at });
  } else if (keyword !== undefined) {
    // Nothing to opt out (messages only go to phone numbers); the MO is acknowledged all the same, or the SMSC would resend it forever.
    deps.log.warn({ tenantId, from: sms.from, keyword }, 'opt-out keyword from a sender that is not a phone number: no opt-out recorded');
  }
  return { id: storedId, from, optOutKeyword: keyword, inReplyTo: reply?.id, duplicate: !inserted };
}
