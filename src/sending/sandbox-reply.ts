/**
 * A reply simulated through the sandbox provider (POST /v1/sandbox/inbound-sms): it takes the real
 * inbound path (stored, sms.received published, an opt-out keyword honoured) and answers what was stored.
 */
import { cachedTenantPhoneRegion } from '../contacts/tenant-region.ts';
import { ConflictError, InvalidInputError } from '../errors.ts';
import { randomBase62 } from '../ids.ts';
import type { SendingDeps } from './deps.ts';
import { moSenderPhone } from './inbound.ts';
import { isSandboxSmsProvider } from './providers/sandbox/sandbox-provider.ts';

export async function simulateSandboxReply(deps: SendingDeps, tenantId: string, body: { from: string; to: string; text: string }) {
  const { provider } = await deps.registry.resolve(tenantId, 'sms');
  if (!isSandboxSmsProvider(provider)) {
    throw new ConflictError(`This tenant's SMS provider is "${provider.kind}", not the sandbox: replies come from the real provider.`);
  }
  // A reply comes from a phone: the rule the real inbound path reads senders with (src/sending/inbound.ts).
  if (moSenderPhone(body.from, await cachedTenantPhoneRegion(deps.db, tenantId)) === undefined) {
    const message = `"${body.from}" is not a phone number (E.164, national in the tenant's region, or international digits)`;
    throw new InvalidInputError(`body.from: ${message}`, [{ path: 'body.from', message }]);
  }
  const providerMessageId = `sbxmo${randomBase62(12)}`;
  await provider.simulateInbound(tenantId, { from: body.from, to: body.to, text: body.text, at: deps.clock(), providerMessageId });
  const [row] = await deps.db.query<{ id: string; from_address: string; opt_out_keyword: string | null; in_reply_to: string | null }>(
    'SELECT id, from_address, opt_out_keyword, in_reply_to FROM inbound_sms WHERE tenant_id = $1 AND provider_message_id = $2',
    [tenantId, providerMessageId],
  );
  return { id: row!.id, from: row!.from_address, optOutKeyword: row!.opt_out_keyword, inReplyToMessageId: row!.in_reply_to };
}
