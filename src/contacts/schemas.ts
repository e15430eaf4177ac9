/**
 * The shapes of contact data at the edges: the API bodies and the service inputs connectors pass.
 * Phone numbers are checked later, by the service, because national numbers are read in the
 * tenant's region; everything else is checked and canonicalized here.
 */
import { z } from 'zod';

export const ChannelSchema = z.enum(['sms', 'email']).describe('"sms" (address: E.164 phone) or "email".');
export type Channel = z.infer<typeof ChannelSchema>;

export const ConsentStatusSchema = z.enum(['granted', 'withdrawn']);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;

export const DEFAULT_TIME_ZONE = 'Europe/Paris';

/** Bounds on custom attributes: they travel with every event and template render. */
export const MAX_ATTRIBUTES = 100;
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;

/** The canonical IANA name ("europe/paris" → "Europe/Paris", "US/Eastern" → "America/New_York"), or undefined. */
export function canonicalTimeZone(value: string): string | undefined {
  // Intl also takes UTC offsets ("+01:00"): not a time zone, no daylight saving rules.
  if (!/^[A-Za-z]/.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export const TimeZoneSchema = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const canonical = canonicalTimeZone(value.trim());
    if (canonical === undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: `"${value}" is not an IANA time zone (e.g. "Europe/Paris")` });
      return z.NEVER;
    }
    return canonical;
  })
  .describe('IANA time zone, e.g. "Europe/Paris" (the default). Quiet hours are applied in it.');

export const LocaleSchema = z
  .string()
  .max(35)
  .transform((value, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(value.trim());
      if (canonical !== undefined) return canonical;
    } catch {
      // Reported below.
    }
    ctx.issues.push({ code: 'custom', input: value, message: `"${value}" is not a BCP 47 language tag (e.g. "fr-FR")` });
    return z.NEVER;
  })
  .describe('BCP 47 language tag, e.g. "fr-FR".');

export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .pipe(z.email({ error: (issue) => `"${String(issue.input)}" is not a valid email address` }))
  .describe('Email address; stored lower-cased.');

export const PhoneInputSchema = z
  .string()
  .max(64)
  .describe('Phone number, E.164 ("+33612345678") or national in the tenant\'s region ("06 12 34 56 78"); stored in E.164.');

const NameSchema = z.string().trim().min(1).max(100);

/** A system name: `woocommerce`, `salesforce`… (the same slug as event sources). */
export const SourceSlugSchema = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'expected a lower-case slug of 2 to 40 characters, e.g. "woocommerce"');

/** Where a consent or opt-out came from: "api", "woocommerce-checkout", "sms-keyword:STOP". */
export const RecordSourceSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, 'expected 1 to 100 letters, digits or . _ : @ / -, e.g. "woocommerce-checkout" or "sms-keyword:STOP"');

const ExternalIdSchema = z.string().trim().min(1).max(256);

const invalidSourceKey = (issue: { code?: string; input?: unknown }) =>
  issue.code === 'invalid_key' ? `"${String(issue.input)}" is not a system name: expected a lower-case slug, e.g. "woocommerce"` : undefined;

function attributesSize(attributes: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (Object.keys(attributes).length > MAX_ATTRIBUTES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ATTRIBUTES} attributes` });
  const bytes = Buffer.byteLength(JSON.stringify(attributes));
  if (bytes > MAX_ATTRIBUTES_BYTES) ctx.addIssue({ code: 'custom', message: `attributes are ${bytes} bytes of JSON; at most ${MAX_ATTRIBUTES_BYTES}` });
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Custom attributes as a merge patch: each key replaces the stored one, a null value removes it. */
export const AttributesPatchSchema = z
  .record(z.string().min(1).max(64), z.json())
  .superRefine(attributesSize)
  .describe(`Custom attributes (JSON values), merged key by key into the stored ones; null removes a key. At most ${MAX_ATTRIBUTES} keys and ${MAX_ATTRIBUTES_BYTES} bytes.`);

/**
 * Consent and opt-out dates may be in the past (a CRM syncing history) but not in the future: the
 * current status is the newest record by date, so a future-dated grant would outrank a real STOP
 * received before that date. A few minutes are allowed for clock skew between systems.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export const isFuture = (at: Date, now = Date.now()) => at.getTime() > now + MAX_CLOCK_SKEW_MS;

export const PastInstantSchema = z.iso
  .datetime({ offset: true })
  .refine((value) => !isFuture(new Date(value)), 'must not be in the future (a future date would outrank later records)');

export const ConsentInputSchema = z
  .object({
    status: ConsentStatusSchema,
    at: PastInstantSchema.optional().describe('When the person gave or withdrew consent; default now. Not in the future.'),
    source: RecordSourceSchema.optional().describe('Where it was given, e.g. "woocommerce-checkout"; default the caller ("api").'),
    proof: z.string().max(2000).optional().describe('Evidence kept with the record: checkbox wording, form URL, IP, message text.'),
  })
  .strict();
export type ConsentInput = z.infer<typeof ConsentInputSchema>;

export const ContactInputSchema = z
  .object({
    phone: PhoneInputSchema.optional(),
    email: EmailSchema.optional(),
    firstName: NameSchema.optional(),
    lastName: NameSchema.optional(),
    locale: LocaleSchema.optional(),
    timeZone: TimeZoneSchema.optional(),
    attributes: AttributesPatchSchema.optional(),
    externalIds: z
      .record(SourceSlugSchema, ExternalIdSchema, { error: invalidSourceKey })
      .refine((ids) => Object.keys(ids).length <= 20, 'at most 20 external ids')
      .optional()
      .describe('The contact\'s id in each external system, e.g. { "woocommerce": "5501" }.'),
    consent: z
      .object({ sms: ConsentInputSchema.optional(), email: ConsentInputSchema.optional() })
      .strict()
      .optional()
      .describe('Consent to record with the upsert, per channel.'),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.phone === undefined && input.email === undefined && Object.keys(input.externalIds ?? {}).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'give at least a phone, an email or an external id to identify the contact' });
    }
  });
export type ContactInput = z.input<typeof ContactInputSchema>;
export type ParsedContactInput = z.output<typeof ContactInputSchema>;

/** PATCH: absent fields stay; null clears (phone, email, names, locale) or unlinks (an external id). */
export const ContactPatchSchema = z
  .object({
    phone: PhoneInputSchema.nullable().optional(),
    email: EmailSchema.nullable().optional(),
    firstName: NameSchema.nullable().optional(),
    lastName: NameSchema.nullable().optional(),
    locale: LocaleSchema.nullable().optional(),
    timeZone: TimeZoneSchema.optional(),
    attributes: AttributesPatchSchema.optional(),
    externalIds: z
      .record(SourceSlugSchema, ExternalIdSchema.nullable(), { error: invalidSourceKey })
      .optional()
      .describe('Sets the id per source; null unlinks that source.'),
  })
  .strict();
export type ContactPatch = z.input<typeof ContactPatchSchema>;
