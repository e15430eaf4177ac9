/**
 * Incoming SMS (MO), the `ProviderSink.inbound` side: store the message, publish `sms.received`, and
 * when it starts with one of the tenant's opt-out keywords ("STOP", "STOP SMS", "ARRET"…), record the
 * opt-out through the contacts part, which withdraws the contact's consent and publishes
 * `contact.unsubscribed`. All of it before the sink resolves, so before the provider acknowledges:
 * an acknowledged STOP is never lost, and it takes effect within the same second.
 */
import { normalizePhone } from '../contacts/phone.ts';
import { tenantPhoneRegion } from '../contacts/tenant-region.ts';
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
 * SMSCs give MO sources as national or international digits without "+" ("33612345678"): read
 * them as E.164 when they are valid that way, else keep what came (a short code, an alphanumeric).
 */
async function normalizeSource(deps: SendingDeps, tenantId: string, from: string): Promise<string> {
  const region = await tenantPhoneRegion(deps.db, tenantId);
  const direct = normalizePhone(from, region, { acceptPossible: true });
  if (direct.ok && (from.startsWith('+') || from.startsWith('0'))) return direct.e164;
  if (/^\d{8,15}$/.test(from)) {
    const international = normalizePhone(`+${from}`, region, { acceptPossible: true });
    if (international.ok) return international.e164;
  }
  return direct.ok ? direct.e164 : from.trim();
}

export async function handleInbound(deps: SendingDeps, tenantId: string, sms: InboundSms): Promise<InboundResult> {
  const from = await normalizeSource(deps, tenantId, sms.from);
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
  const contact = await deps.contacts.findContact(tenantId, { phone: from }).catch(() => undefined);
  await deps.publisher.publish({
    tenantId,
    source: 'hub',
    type: 'sms.received',
    dedupeKey: `sms.received:${storedId}`,
    occurredAt: sms.at,
    subject: { ...(from.startsWith('+') ? { phone: from } : {}), ...(contact ? { contactId: contact.id } : {}) },
    data: { from, to: sms.to, text: sms.text, ...(reply ? { inReplyToMessageId: reply.id } : {}) },
  });
  if (keyword !== undefined) {
    await deps.optOuts.optOut(tenantId, 'sms', from, { source: `sms-keyword:${keyword.replace(/\s+/g, '-')}`, reason: sms.text.slice(0, 500), at: sms.at });
  }
  return { id: storedId, from, optOutKeyword: keyword, inReplyTo: reply?.id, duplicate: !inserted };
}
