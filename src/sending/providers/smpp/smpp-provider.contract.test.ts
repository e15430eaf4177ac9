// The provider contract (test/contracts/provider.contract.ts) run on the SMPP upstream provider, bound to
// Net::SMPP acting as the SMSC. What the far side "received" is read back from the SMSC's PDU log and decoded
// here, parts joined by their UDH reference.
import pino from 'pino';
import { describe } from 'vitest';
import { providerContract, type ObservedMessage, type ProviderContractTarget } from '../../../../test/contracts/provider.contract.ts';
import { startNetSmppSmsc, type NetSmppSmsc, type SubmitSmEvent } from '../../../../test/support/smsc-netsmpp.ts';
import { decodeShortMessage, encodeGsm7, parseUdh } from '../../encoding/index.ts';
import { createSmppProvider } from './smpp-provider.ts';
import { SmppSettingsSchema } from './smpp-settings.ts';

/** Joins the logged submit_sm back into messages: one per single part, one per complete UDH group. */
function observed(submits: readonly SubmitSmEvent[]): ObservedMessage[] {
  const messages: ObservedMessage[] = [];
  const groups = new Map<string, { total: number; parts: Map<number, Buffer>; first: SubmitSmEvent }>();
  const describe = (first: SubmitSmEvent, userData: Buffer): ObservedMessage => {
    const decoded = decodeShortMessage(userData, first.data_coding);
    return { to: `+${first.destination_addr}`, from: first.source_addr, text: decoded.ok ? decoded.text : `(undecodable: ${decoded.error.message})`, encoding: first.data_coding === 8 ? 'UCS-2' : 'GSM-7' };
  };
  for (const submit of submits) {
    if (submit.status !== 0) continue;
    const bytes = Buffer.from(submit.short_message_hex, 'hex');
    if ((submit.esm_class & 0x40) === 0) {
      messages.push(describe(submit, bytes));
      continue;
    }
    const udh = parseUdh(bytes);
    if (!udh.ok || !udh.udh) continue;
    const key = `${submit.destination_addr}/${udh.udh.reference}/${udh.udh.total}`;
    const group = groups.get(key) ?? { total: udh.udh.total, parts: new Map(), first: submit };
    groups.set(key, group);
    group.parts.set(udh.udh.sequence, Buffer.from(udh.payload));
    if (group.parts.size === group.total) {
      groups.delete(key);
      messages.push(describe(group.first, Buffer.concat([...group.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part))));
    }
  }
  return messages;
}

const target: ProviderContractTarget = {
  label: 'smpp upstream (Net::SMPP as SMSC)',
  channel: 'sms',
  from: 'MaBoutique',
  recipients: { delivered: '+33612345678', undelivered: '+33600000001', rejected: '+33600000003' },
  async setUp() {
    const smsc: NetSmppSmsc = await startNetSmppSmsc({ undeliverable: ['33600000001'], reject: { '33600000003': 0x0b }, redeliver_ms: 100 });
    const settings = SmppSettingsSchema.parse({ host: '127.0.0.1', port: smsc.port, systemId: 'hub', reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    let bound: ReturnType<typeof createSmppProvider> | undefined;
    return {
      async create(sink) {
        bound = createSmppProvider({ settings, password: 'secret', tenantId: 'ten_contract', network: { allowPrivateTargets: true }, sink, log: pino({ level: 'silent' }) });
        return bound;
      },
      async received() {
        await smsc.sync();
        return observed(smsc.submits());
      },
      async sendInbound(inbound) {
        // The SMSC delivers to a bound receiver: wait for the provider's bind first.
        const deadline = Date.now() + 10_000;
        while (bound && bound.status().binds.some((each) => each.state !== 'bound') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        await smsc.deliver({
          source_addr_ton: 1,
          source_addr_npi: 1,
          source_addr: inbound.from.replace(/^\+/, ''),
          dest_addr_ton: 3,
          destination_addr: inbound.to,
          data_coding: 0,
          short_message_hex: encodeGsm7(inbound.text).toString('hex'),
        });
      },
      async tearDown() {
        await smsc.close();
      },
    };
  },
};

describe('provider contract: smpp', () => {
  providerContract(target);
});
