import { describe, expect, it } from 'vitest';
import { SmppSecretsSchema, SmppSettingsSchema } from './smpp-settings.ts';

describe('SmppSettingsSchema', () => {
  it('fills the defaults an SMSC expects of an ESME', () => {
    expect(SmppSettingsSchema.parse({ host: 'smpp.operator.example', systemId: 'shop' })).toEqual({
      host: 'smpp.operator.example',
      port: 2775,
      systemId: 'shop',
      systemType: '',
      bindMode: 'transceiver',
      window: 10,
      responseTimeoutMs: 10_000,
      enquireLinkIntervalMs: 30_000,
      connectTimeoutMs: 10_000,
      reconnect: { initialDelayMs: 1_000, maxDelayMs: 60_000 },
      throttleBackoffMs: { initialMs: 1_000, maxMs: 60_000 },
      submitTimeoutMs: 30_000,
      serviceType: '',
      addressing: { shortCode: { ton: 3, npi: 0 }, alphanumeric: { ton: 5, npi: 0 }, international: { ton: 1, npi: 1 } },
      incompleteInboundTimeoutMs: 60_000,
    });
  });

  it.each([
    [{ systemId: 'sixteen-chars-id' }, 'systemId'],
    [{ systemId: 'hüb' }, 'systemId'],
    [{ bindMode: 'receiver' }, 'bindMode'],
    [{ reconnect: { initialDelayMs: 5_000, maxDelayMs: 1_000 } }, 'reconnect'],
    [{ submitTimeoutMs: 50_000, responseTimeoutMs: 10_000 }, 'submitTimeoutMs'],
    [{ tls: { caCertificate: 'not a certificate' } }, 'tls.caCertificate'],
    [{ defaultSender: 'Nom bien trop long' }, 'defaultSender'],
  ])('refuses %j (at %s)', (change, path) => {
    const result = SmppSettingsSchema.safeParse({ host: 'smpp.operator.example', systemId: 'shop', ...change });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});

describe('SmppSecretsSchema', () => {
  it('takes a password of at most 8 characters (SMPP 3.4 §4.1.1)', () => {
    expect(SmppSecretsSchema.safeParse({ password: 'secret12' }).success).toBe(true);
    expect(SmppSecretsSchema.safeParse({ password: 'secret123' }).success).toBe(false);
    expect(SmppSecretsSchema.safeParse({}).success).toBe(false);
  });
});
