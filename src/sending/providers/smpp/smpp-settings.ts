import { z } from 'zod';
import { DomainName, Host, PemCertificate } from '../settings-fields.ts';
import { SmsSenderSchema } from '../../settings.ts';

/**
 * Configuration of an SMPP upstream provider (the hub as ESME, bound to an operator's or an
 * aggregator's SMSC), in the provider registry's two parts: `SmppSettingsSchema` (stored as JSON,
 * returned by the API) and `SmppSecretsSchema` (the bind password, sealed with the vault).
 *
 * Defaults follow what SMSCs expect of an ESME: window 10 (Kannel's SMPP_MAX_PENDING_SUBMITS),
 * enquire_link every 30 s when idle (SMSCs drop links idle for a few minutes), a response timeout
 * of 10 s (a submit_sm_resp slower than 1 s is already a sign of trouble).
 */

/** SMPP C-Octet Strings travel as octets; keep the account fields to printable ASCII so they mean the same at the SMSC. */
const ascii = (max: number) => z.string().max(max).regex(/^[\x20-\x7e]*$/, 'printable ASCII characters only');

/** SMPP 3.4 §5.2.5/§5.2.6: TON and NPI are one octet each; the values in use are small. */
const AddressType = z
  .object({
    ton: z.number().int().min(0).max(6).describe('Type of number: 0 unknown, 1 international, 2 national, 3 network specific, 5 alphanumeric.'),
    npi: z.number().int().min(0).max(18).describe('Numbering plan: 0 unknown, 1 ISDN/E.164.'),
  })
  .strict();

export const SmppSettingsSchema = z
  .object({
    host: Host.describe('The SMSC, e.g. "smpp.operator.example".'),
    port: z.number().int().min(1).max(65_535).default(2775).describe('2775 is the IANA port for SMPP; TLS links often use 3550 or 8775.'),
    tls: z
      .object({
        /** PEM certificate(s) to trust in addition to the system CAs (operators often use a private CA). */
        caCertificate: PemCertificate.optional(),
        /** The name the SMSC's certificate carries, when it differs from `host` (a link by IP address). */
        servername: DomainName.optional(),
      })
      .strict()
      .optional()
      .describe('Present: SMPP over TLS from the first byte (certificate checked). Absent: plain TCP, for a VPN or a private link.'),
    systemId: ascii(15).min(1).describe('The ESME account the SMSC gave you (system_id, at most 15 characters).'),
    systemType: ascii(12).default('').describe('system_type, when the SMSC asks for one (often empty, sometimes "SMPP" or "VMA").'),
    bindMode: z
      .enum(['transceiver', 'transmitter+receiver'])
      .default('transceiver')
      .describe('"transceiver": one bind carries submits, receipts and replies. "transmitter+receiver": two binds, for SMSCs without transceiver support (SMPP 3.3 style).'),
    window: z.number().int().min(1).max(1_000).default(10).describe('submit_sm awaiting their response at most, per bind. Agree it with the operator.'),
    responseTimeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('How long a submit_sm (or bind) waits for its response before the message is retried.'),
    enquireLinkIntervalMs: z.number().int().min(0).max(600_000).default(30_000).describe('enquire_link after this long without traffic; 0 disables.'),
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    reconnect: z
      .object({
        initialDelayMs: z.number().int().min(10).max(600_000).default(1_000),
        maxDelayMs: z.number().int().min(10).max(3_600_000).default(60_000),
      })
      .strict()
      .default({ initialDelayMs: 1_000, maxDelayMs: 60_000 })
      .refine((value) => value.maxDelayMs >= value.initialDelayMs, 'maxDelayMs must be at least initialDelayMs')
      .describe('Re-bind after a lost link or a refused bind: exponential from initialDelayMs up to maxDelayMs, with jitter.'),
    submitsPerSecond: z
      .number()
      .positive()
      .max(10_000)
      .optional()
      .describe('Caps submit_sm PDUs (SMS parts) per second on this provider instance, as operators cap each bind. The registry\'s rateLimit paces messages across every hub process.'),
    throttleBackoffMs: z
      .object({
        initialMs: z.number().int().min(10).max(600_000).default(1_000),
        maxMs: z.number().int().min(10).max(3_600_000).default(60_000),
      })
      .strict()
      .default({ initialMs: 1_000, maxMs: 60_000 })
      .describe('After ESME_RTHROTTLED or ESME_RMSGQFUL every send on this provider pauses: initialMs, doubling while the SMSC keeps refusing.'),
    submitTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(50_000)
      .default(30_000)
      .describe('The longest one message may wait for a bind, a window slot or a throttling pause before it is handed back to the pipeline for a later retry.'),
    serviceType: ascii(5).default('').describe('service_type of every submit_sm (usually empty).'),
    defaultSender: SmsSenderSchema.optional().describe('source_addr of messages that come without a sender. Absent: empty source_addr, the SMSC puts its own.'),
    addressing: z
      .object({
        shortCode: AddressType.default({ ton: 3, npi: 0 }).describe('Senders of 3 to 8 digits. Most SMSCs want network specific (3/0); some want unknown (0/1).'),
        alphanumeric: AddressType.default({ ton: 5, npi: 0 }),
        international: AddressType.default({ ton: 1, npi: 1 }).describe('E.164 senders and every destination, sent without "+".'),
      })
      .strict()
      .default({ shortCode: { ton: 3, npi: 0 }, alphanumeric: { ton: 5, npi: 0 }, international: { ton: 1, npi: 1 } }),
    validityMinutes: z
      .number()
      .int()
      .min(1)
      .max(99 * 24 * 60)
      .optional()
      .describe('validity_period (relative) of messages that carry no validUntil of their own. Absent: the SMSC\'s default.'),
    incompleteInboundTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(3_600_000)
      .default(60_000)
      .describe('A multipart reply whose parts are still missing after this long is passed on with the parts that came.'),
  })
  .strict()
  // The pipeline's claim on a message lasts 60 s (src/sending/submit.ts): a submit must end well within it.
  .refine((settings) => settings.submitTimeoutMs + settings.responseTimeoutMs <= 55_000, {
    message: 'submitTimeoutMs + responseTimeoutMs must stay within 55000 ms (a message is claimed for 60 s while it is submitted)',
    path: ['submitTimeoutMs'],
  });

export type SmppSettings = z.output<typeof SmppSettingsSchema>;
export type SmppSettingsInput = z.input<typeof SmppSettingsSchema>;
export type SmppAddressing = SmppSettings['addressing'];

export const SmppSecretsSchema = z
  .object({
    // SMPP 3.4 §4.1.1: password is a C-Octet String of at most 9 octets, so 8 characters.
    password: z.string().max(8, 'an SMPP password has at most 8 characters (SMPP 3.4 §4.1.1)').refine((value) => !value.includes('\0'), 'no NUL character'),
  })
  .strict();
