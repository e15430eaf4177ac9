// The provider contract (test/contracts/provider.contract.ts) run on the SMTP provider against a real SMTP
// server on loopback (aiosmtpd, test/support/smtp-sink.ts). SMTP gives no delivery receipt on the submission
// connection, so the receipt cases do not apply; `rcpt-550@…` is refused by the server at RCPT TO.
import { describe } from 'vitest';
import { providerContract, type ObservedMessage, type ProviderContractTarget } from '../../../../test/contracts/provider.contract.ts';
import { startSmtpSink, type SmtpSink } from '../../../../test/support/smtp-sink.ts';
import { createSmtpProvider } from './smtp-provider.ts';
import { resolveSmtpConfig, SmtpSettingsSchema } from './smtp-settings.ts';

const target: ProviderContractTarget = {
  label: 'smtp (aiosmtpd as the relay)',
  channel: 'email',
  from: 'news@boutique.example',
  recipients: { delivered: 'camille@example.fr', rejected: 'rcpt-550@example.fr', receipts: false },
  async setUp() {
    const sink: SmtpSink = await startSmtpSink();
    const config = resolveSmtpConfig(SmtpSettingsSchema.parse({ host: '127.0.0.1', port: sink.port, security: 'none' }), undefined);
    return {
      async create() {
        // The relay is a local test peer: the outbound guard would refuse loopback for a tenant.
        return createSmtpProvider(config, { network: { allowPrivateTargets: true } });
      },
      async received(): Promise<ObservedMessage[]> {
        return (await sink.messages()).map((message) => ({
          to: message.rcptTos[0] ?? '',
          text: message.parsed.parts.find((part) => part.contentType === 'text/plain')?.content ?? '',
          from: message.mailFrom,
          subject: message.parsed.subject ?? undefined,
          headers: message.parsed.listUnsubscribe === null ? {} : ({ 'list-unsubscribe': message.parsed.listUnsubscribe } as Record<string, string>),
        }));
      },
      async tearDown() {
        await sink.close();
      },
    };
  },
};

describe(`provider contract: ${target.label}`, () => providerContract(target));
