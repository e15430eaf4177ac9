/**
 * The SMTP provider: hands email to a relay (the tenant's mail server, or an ESP's SMTP endpoint)
 * over a pool of nodemailer connections.
 *
 * SMTP has no delivery receipts on the submission connection: a 250 means the relay took the
 * message. Later failures come back as bounces (DSN, RFC 3464) to the envelope sender, quoting the
 * Message-ID `<messageId@domain>` and the envelope id (the hub message id), which is how a bounce
 * processor finds the message. So this provider never calls its sink.
 *
 * Nodemailer requeues a message whose pooled connection dropped mid-send once (a stale idle
 * connection); anything beyond goes back to the pipeline as `retry`, which owns retries.
 */
import { rootCertificates } from 'node:tls';
import { isIP, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { connectGuarded } from '../../../net/guarded-connection.ts';
import type { NetworkPolicy } from '../../../net/outbound-guard.ts';
import { defineProviderFactory } from '../../provider-registry.ts';
import type { EmailProvider, OutboundEmail, SubmitResult } from '../provider.ts';
import { composeSmtpMail } from './smtp-message.ts';
import { smtpFailureOutcome, smtpSentOutcome, type SmtpFailure } from './smtp-outcome.ts';
import { resolveSmtpConfig, SmtpSecretsSchema, SmtpSettingsSchema, type SmtpConfig } from './smtp-settings.ts';

export const SMTP_PROVIDER_KIND = 'smtp';

/**
 * Headers the DKIM signature covers. Nodemailer's default list lacks List-Unsubscribe-Post, and
 * RFC 8058 §4 wants a valid DKIM signature covering both List-Unsubscribe and
 * List-Unsubscribe-Post: a receiver may ignore one-click otherwise.
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Feedback-ID',
] as const;

export interface SmtpProvider extends EmailProvider {
  readonly kind: typeof SMTP_PROVIDER_KIND;
  /** Connects, authenticates and hangs up: the "test connection" of a settings form. Sends nothing. */
  verify(): Promise<{ ok: true } | { ok: false; reason: string }>;
}

const toFailure = (error: unknown): SmtpFailure => (error instanceof Error ? (error as SmtpFailure) : { message: String(error) });

/**
 * Nodemailer's `getSocket`: the connection to the relay, made through the outbound guard (the relay
 * is a tenant-given host). Nodemailer then speaks SMTP on it, and upgrades it itself for "tls".
 */
function guardedSocket(config: SmtpConfig, network: NetworkPolicy) {
  return (_options: unknown, callback: (error: Error | null, socketOptions?: { connection: Socket }) => void) => {
    connectGuarded({ host: config.host, port: config.port }, { policy: network, timeoutMs: config.connectionTimeoutMs }).then(
      (connection) => callback(null, { connection }),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

function transportOptions(config: SmtpConfig, network: NetworkPolicy) {
  return {
    pool: true as const,
    getSocket: guardedSocket(config, network),
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    tls: {
      minVersion: 'TLSv1.2' as const,
      // `ca` replaces Node's trusted roots: keep them, and add the relay's private CA.
      ...(config.caCertificate !== undefined ? { ca: [...rootCertificates, config.caCertificate] } : {}),
      ...(isIP(config.host) === 0 ? { servername: config.host } : {}),
    },
    ...(config.heloName !== undefined ? { name: config.heloName } : {}),
    ...(config.auth !== undefined ? { auth: { user: config.auth.user, pass: config.auth.password } } : {}),
    maxConnections: config.poolSize,
    maxMessages: config.maxMessagesPerConnection,
    maxRequeues: 1,
    connectionTimeout: config.connectionTimeoutMs,
    greetingTimeout: config.connectionTimeoutMs,
    socketTimeout: config.socketTimeoutMs,
    ...(config.dkim !== undefined
      ? { dkim: { domainName: config.dkim.domainName, keySelector: config.dkim.keySelector, privateKey: config.dkim.privateKey, headerFieldNames: DKIM_SIGNED_HEADERS.join(':') } }
      : {}),
    // Messages are built from strings only: never let content make the hub read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

/** A provider over a pooled transport; `close()` ends the pool after the messages being sent. */
export function createSmtpProvider(config: SmtpConfig, options: { network: NetworkPolicy; log?: Logger }): SmtpProvider {
  const transport = nodemailer.createTransport(transportOptions(config, options.network));
  // A transport-level error without a message to fail would otherwise be an unhandled 'error' event.
  transport.on('error', (error) => options.log?.warn({ err: error }, 'smtp: transport error'));
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  return {
    channel: 'email',
    kind: SMTP_PROVIDER_KIND,

    async submit(message: OutboundEmail): Promise<SubmitResult> {
      if (closed) return { kind: 'retry', reason: 'the SMTP provider was closed (settings changed or the hub is stopping)' };
      const composed = composeSmtpMail(message, config);
      if (!composed.ok) return { kind: 'rejected', reason: composed.reason };
      const sending = transport.sendMail(composed.mail);
      inFlight.add(sending);
      try {
        return smtpSentOutcome(await sending, composed.messageIdHeader);
      } catch (error) {
        return smtpFailureOutcome(toFailure(error));
      } finally {
        inFlight.delete(sending);
      }
    },

    async verify() {
      try {
        await transport.verify();
        return { ok: true };
      } catch (error) {
        const outcome = smtpFailureOutcome(toFailure(error));
        return { ok: false, reason: outcome.kind === 'submitted' ? 'unexpected answer' : outcome.reason };
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      // The pool lets the connections that are sending finish; queued messages fail (→ retry).
      transport.close();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** The registry's factory: `registry.register(smtpProviderFactory)`. */
export const smtpProviderFactory = defineProviderFactory({
  kind: SMTP_PROVIDER_KIND,
  title: 'SMTP relay: your mail server or an email service\'s SMTP endpoint',
  channels: ['email'],
  settings: SmtpSettingsSchema,
  secrets: SmtpSecretsSchema,
  outboundHosts: (settings) => [{ field: 'host', host: settings.host }],
  create({ settings, secrets, context }) {
    return createSmtpProvider(resolveSmtpConfig(settings, secrets), { network: context.network, log: context.log });
  },
});
