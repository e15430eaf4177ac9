import { describe } from 'vitest';
import { providerContract, type ObservedMessage, type ProviderContractTarget } from '../../../../test/contracts/provider.contract.ts';
import type { OutboundEmail, OutboundSms, ProviderSink } from '../provider.ts';
import { SandboxSettingsSchema } from './sandbox-outcomes.ts';
import { createSandboxEmailProvider, createSandboxSmsProvider, type SandboxEmailProvider, type SandboxSmsProvider } from './sandbox-provider.ts';

const settings = SandboxSettingsSchema.parse({ receiptDelayMs: 5 });

function sandboxTarget(channel: 'sms' | 'email'): ProviderContractTarget {
  return {
    label: `sandbox (${channel})`,
    channel,
    from: channel === 'sms' ? 'MaBoutique' : 'news@boutique.example',
    recipients:
      channel === 'sms'
        ? { delivered: '+33612345678', undelivered: '+33600000001', rejected: '+33600000003' }
        : { delivered: 'camille@example.fr', undelivered: 'undelivered@example.fr', rejected: 'rejected@example.fr' },
    async setUp() {
      const created: (SandboxSmsProvider | SandboxEmailProvider)[] = [];
      return {
        async create(sink: ProviderSink) {
          const provider = channel === 'sms' ? createSandboxSmsProvider(settings, sink) : createSandboxEmailProvider(settings, sink);
          created.push(provider);
          return provider;
        },
        async received(): Promise<ObservedMessage[]> {
          return created
            .flatMap((provider) => provider.records)
            .sort((a, b) => a.at.getTime() - b.at.getTime())
            .map(({ message }) =>
              channel === 'sms'
                ? { to: message.to, text: message.text, encoding: (message as OutboundSms).encoding, from: (message as OutboundSms).from }
                : { to: message.to, text: message.text, from: (message as OutboundEmail).from.email, subject: (message as OutboundEmail).subject, headers: (message as OutboundEmail).headers },
            );
        },
        async sendInbound(sms) {
          const provider = created.at(-1);
          if (provider && 'simulateInbound' in provider) await provider.simulateInbound('ten_contract', { ...sms, at: new Date() });
        },
        async tearDown() {
          await Promise.all(created.map((provider) => provider.close()));
        },
      };
    },
  };
}

describe.each([sandboxTarget('sms'), sandboxTarget('email')])('provider contract: $label', (target) => {
  providerContract(target);
});
