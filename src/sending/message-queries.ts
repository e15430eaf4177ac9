/** Reads behind GET /v1/messages: a recipient filter as sending stores recipients, and one message with its history. */
import { normalizeTenantPhone } from '../contacts/tenant-region.ts';
import { InvalidInputError } from '../errors.ts';
import type { SendingDeps } from './deps.ts';
import type { MessageChannel } from './message.ts';
import { referencesOf } from './message-references.ts';
import { historyOf, receiptsOf } from './message-store.ts';
import type { SendingModule } from './sending-module.ts';

/**
 * `to=` as stored: an email lower-cased, a phone in E.164 by the rule sending used when it accepted
 * the message (the tenant's region), so "06 12 34 56 78" finds what was sent to it.
 */
export async function recipientFilter(deps: SendingDeps, tenantId: string, to: string, channel: MessageChannel | undefined): Promise<string> {
  if (channel === 'email' || (channel === undefined && to.includes('@'))) return to.trim().toLowerCase();
  const phone = await normalizeTenantPhone(deps.db, tenantId, to);
  if (!phone.ok) throw new InvalidInputError(`querystring.to: ${phone.message}`, [{ path: 'querystring.to', message: phone.message }]);
  return phone.e164;
}

/** A message by its id or by the message_id the hub's SMPP server answered, with its status history, receipts and references. */
export async function messageDetail(deps: SendingDeps, module: Pick<SendingModule, 'getMessage' | 'findByReference'>, tenantId: string, id: string) {
  const message = (await module.getMessage(tenantId, id)) ?? (await module.findByReference(tenantId, { system: 'smpp', id }));
  if (!message) return undefined;
  const [history, receipts, references] = [await historyOf(deps.db, tenantId, message.id), await receiptsOf(deps.db, tenantId, message.id), await referencesOf(deps.db, tenantId, message.id)];
  return { message, history, receipts, references };
}
