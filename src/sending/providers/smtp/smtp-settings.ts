import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { DomainName, Host, PemCertificate } from '../settings-fields.ts';

/**
 * Configuration of an SMTP provider, in the provider registry's two parts: `SmtpSettingsSchema`
 * (stored as JSON, returned by the API) and `SmtpSecretsSchema` (the password and the DKIM key,
 * sealed with the vault, never returned). `resolveSmtpConfig` joins them for the provider.
 *
 * There is no rate setting here: the registry's per-provider `rateLimit` (a token bucket shared
 * by every worker process) paces SMTP like any other provider.
 */

const Address = z.email().max(254);

const PemPrivateKey = z
  .string()
  .min(1)
  .superRefine((value, context) => {
    try {
      createPrivateKey(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'expected a PEM private key ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")' });
    }
  });

export const SmtpSettingsSchema = z
  .object({
    host: Host.describe('The SMTP relay, e.g. "smtp.example.com".'),
    port: z.number().int().min(1).max(65_535).optional().describe('Default 465 with security "tls", else 587 (submission).'),
    security: z
      .enum(['starttls', 'tls', 'none'])
      .default('starttls')
      .describe('"starttls": plain connection upgraded with STARTTLS, refused if the server does not offer it (port 587). "tls": TLS from the first byte (port 465). "none": no TLS at all, for a relay on the same host or network only.'),
    /** PEM certificate(s) to trust in addition to the system CAs, for a relay with a private CA. */
    caCertificate: PemCertificate.optional(),
    user: z.string().min(1).max(512).optional().describe('AUTH PLAIN/LOGIN user; the password goes in the secrets.'),
    /** EHLO name; default the machine's host name. Relays on port 25 often want a fully qualified one. */
    heloName: DomainName.optional(),
    poolSize: z.number().int().min(1).max(50).default(5).describe('Connections kept open to the relay.'),
    maxMessagesPerConnection: z.number().int().min(1).max(10_000).default(100),
    from: z
      .object({ email: Address, name: z.string().trim().min(1).max(200).optional() })
      .strict()
      .optional()
      .describe('The From of messages that come without one.'),
    /** Right-hand side of the Message-ID (`<messageId@domain>`); default the domain of the From address. */
    messageIdDomain: DomainName.optional(),
    /** Envelope sender (MAIL FROM, the Return-Path) where bounces go; default the From address. */
    bounceAddress: Address.optional(),
    dkim: z
      .object({
        domainName: DomainName,
        keySelector: z.string().trim().min(1).max(63).regex(/^[A-Za-z0-9._-]+$/, 'expected a DNS label, e.g. "hub2026"'),
      })
      .strict()
      .optional()
      .describe('Sign with DKIM here, when the relay does not sign for the sender domain itself; the private key goes in the secrets.'),
    connectionTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    socketTimeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  })
  .strict();

export type SmtpSettings = z.output<typeof SmtpSettingsSchema>;
export type SmtpSettingsInput = z.input<typeof SmtpSettingsSchema>;

export const SmtpSecretsSchema = z
  .object({
    password: z.string().min(1).max(1024).optional(),
    dkimPrivateKey: PemPrivateKey.optional(),
  })
  .strict();
export type SmtpSecrets = z.output<typeof SmtpSecretsSchema>;

/** Settings and secrets joined: what the provider runs with. */
export type SmtpConfig = Omit<SmtpSettings, 'user' | 'dkim' | 'port'> & {
  port: number;
  auth: { user: string; password: string } | undefined;
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
};

export class SmtpConfigError extends Error {
  override name = 'SmtpConfigError';
}

/**
 * Joins settings and secrets; both halves are checked here, since they are stored apart.
 * @throws SmtpConfigError when a user has no password, or DKIM has no private key.
 */
export function resolveSmtpConfig(settings: SmtpSettings, secrets: SmtpSecrets | undefined): SmtpConfig {
  const { user, dkim, port, ...rest } = settings;
  if (user !== undefined && secrets?.password === undefined) throw new SmtpConfigError(`SMTP user "${user}" has no password: send secrets.password`);
  if (dkim !== undefined && secrets?.dkimPrivateKey === undefined) throw new SmtpConfigError('DKIM signing needs its private key: send secrets.dkimPrivateKey (PEM)');
  return {
    ...rest,
    port: port ?? (rest.security === 'tls' ? 465 : 587),
    auth: user === undefined ? undefined : { user, password: secrets!.password! },
    dkim: dkim === undefined ? undefined : { ...dkim, privateKey: secrets!.dkimPrivateKey! },
  };
}
