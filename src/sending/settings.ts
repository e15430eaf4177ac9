/**
 * A tenant's sending settings: the opt-out mention, quiet hours, the segment cap, default senders,
 * the default time zone, the opt-out keywords and the receipt timeout. Stored as one JSON document per tenant
 * (`sending_settings`), validated on the way in and read with defaults filled in.
 */
import { z } from 'zod';
import { TimeZoneSchema } from '../contacts/schemas.ts';
import type { Db } from '../store/db.ts';
import { OptOutKeywords, OptOutMention, QuietHoursPolicy } from './compliance/index.ts';

/**
 * An SMS sender id: an alphanumeric sender of at most 11 characters with at least one letter
 * (3GPP TS 23.040 TP-OA alphanumeric, and what French operators accept), a short code of 3 to 8
 * digits, or an E.164 number.
 */
export const SmsSenderSchema = z
  .string()
  .trim()
  .refine((value) => /^[A-Za-z0-9 .\-_&]{1,11}$/.test(value) && /[A-Za-z]/.test(value) || /^\d{3,8}$/.test(value) || /^\+[1-9]\d{6,14}$/.test(value), {
    error: 'a sender is an alphanumeric name of 1 to 11 characters with at least one letter ("MaBoutique"), a short code ("36173") or an E.164 number ("+33612345678")',
  });

export const EmailSenderSchema = z.object({
  email: z.email({ error: 'not a valid email address' }).max(254),
  name: z.string().trim().min(1).max(100).optional(),
});

export const SendingSettingsSchema = z
  .object({
    /** Appended to marketing SMS that lack it. French practice: "STOP au 36xxx", the marketing short code. */
    optOutMention: OptOutMention.default('STOP au 36173'),
    quietHours: QuietHoursPolicy.prefault({}),
    /** Longer SMS are refused at the API: each segment is billed, and 6 (918 GSM-7 characters) is already a long message. */
    maxSegments: z.number().int().min(1).max(10).default(6),
    defaultSender: z
      .object({
        sms: SmsSenderSchema.optional(),
        email: EmailSenderSchema.optional(),
      })
      .prefault({}),
    /** Time zone for recipients that are not contacts (a contact has its own, Europe/Paris by default). */
    timeZone: TimeZoneSchema.default('Europe/Paris'),
    optOutKeywords: OptOutKeywords,
    /**
     * The tenant's own short domain for tracked links ("https://s.maboutique.fr", pointed at this hub);
     * absent: the hub's public URL. Shorter is better: a link's characters count in the SMS.
     */
    shortLinkBase: z
      .url({ protocol: /^https?$/, error: 'shortLinkBase is an http(s) URL such as "https://s.maboutique.fr"' })
      .max(100)
      .refine((url) => !/[?#]/.test(url), { error: 'shortLinkBase has no query or fragment' })
      .optional(),
    /**
     * Hours after submission without a final receipt before the sweeper marks an SMS `expired`.
     * SMSCs give up at the message's validity period, 48 to 72 h by default on most networks, and
     * then send an EXPIRED receipt; past that, a missing receipt is lost (an SMSC that dropped it,
     * a crash), not late. 72 h covers the common defaults; at least an hour so a slow SMSC is not
     * overtaken; at most 30 days, beyond which no SMSC keeps a message.
     */
    receiptTimeoutHours: z
      .number()
      .int({ error: 'receiptTimeoutHours is a whole number of hours' })
      .min(1, { error: 'receiptTimeoutHours is at least 1 (hour): SMSCs keep trying for hours before they give up' })
      .max(720, { error: 'receiptTimeoutHours is at most 720 (30 days): no SMSC keeps a message that long' })
      .default(72),
  })
  .strict();

export type SendingSettings = z.infer<typeof SendingSettingsSchema>;

export const DEFAULT_SENDING_SETTINGS: SendingSettings = SendingSettingsSchema.parse({});

/** Reads settings per tenant with a short cache: every message reads them, other processes may change them. */
export class SendingSettingsStore {
  readonly #db: Db;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { settings: SendingSettings; until: number }>();

  constructor(db: Db, options: { ttlMs?: number } = {}) {
    this.#db = db;
    this.#ttlMs = options.ttlMs ?? 5_000;
  }

  async get(tenantId: string): Promise<SendingSettings> {
    const cached = this.#cache.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.settings;
    const [row] = await this.#db.query<{ settings: unknown }>('SELECT settings FROM sending_settings WHERE tenant_id = $1', [tenantId]);
    // Stored settings were valid when written; parsing again fills defaults added since.
    const parsed = row ? SendingSettingsSchema.safeParse(row.settings) : undefined;
    const settings = parsed?.success ? parsed.data : DEFAULT_SENDING_SETTINGS;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(tenantId, { settings, until: Date.now() + this.#ttlMs });
    return settings;
  }

  /** Replaces the tenant's settings (already validated). */
  async put(tenantId: string, settings: SendingSettings): Promise<SendingSettings> {
    await this.#db.query(
      `INSERT INTO sending_settings (tenant_id, settings, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = now()`,
      [tenantId, JSON.stringify(settings)],
    );
    this.#cache.delete(tenantId);
    return settings;
  }
}
