/**
 * `POST /v1/messages/preview`: what an SMS would look like, without storing or sending anything:
 * the rendered text (with the opt-out mention for marketing), its encoding and segment count, the
 * characters that force UCS-2 and a GSM-7 rewrite suggestion; with a recipient, what compliance
 * would decide now.
 */
import { z } from 'zod';
import { loadEvents } from './accept.ts';
import { complianceDecision, ensureOptOutMention } from './compliance/index.ts';
import type { SendingDeps } from './deps.ts';
import { analyzeSms, suggestGsmRewrite } from './encoding/index.ts';
import { MessageCategory } from './message.ts';
import { resolveRecipients } from './recipients.ts';
import { SendInputError, SmsItemSchema, type FieldIssue } from './requests.ts';
import { linkMaker } from './links/link-codes.ts';
import { parseTemplate, renderTemplate, TemplateError } from './template.ts';
import { templateContext } from './template-context.ts';

export const PreviewBodySchema = z
  .object({
    text: z.string().max(5_000).describe('The SMS text, a template.'),
    category: MessageCategory.default('marketing'),
    to: SmsItemSchema.shape.to,
    contactId: z.string().min(1).max(64).optional(),
    eventId: z.string().min(1).max(64).optional(),
    event: SmsItemSchema.shape.event,
  })
  .strict();
export type PreviewBody = z.infer<typeof PreviewBodySchema>;

export const PreviewSchema = z
  .object({
    text: z.string().describe('The text as it would be sent.'),
    encoding: z.enum(['GSM-7', 'UCS-2']),
    units: z.number().int().describe('GSM-7 septets (extension characters count 2) or UCS-2 code units.'),
    segments: z.number().int(),
    parts: z.array(z.string()),
    nonGsmCharacters: z.array(z.string()).describe('Characters that force UCS-2 (70 characters per segment instead of 160).'),
    optOutMentionAppended: z.boolean(),
    maxSegments: z.number().int(),
    withinLimit: z.boolean(),
    gsmRewrite: z.object({
      outcome: z.enum(['already-gsm', 'rewritten', 'no-lookalike', 'more-segments']),
      text: z.string(),
      encoding: z.enum(['GSM-7', 'UCS-2']),
      segments: z.number().int(),
      replacements: z.array(z.object({ from: z.string(), to: z.string(), count: z.number().int() })),
      remainingNonGsm: z.array(z.string()),
    }),
    compliance: z
      .object({ decision: z.enum(['send', 'defer', 'block']), reason: z.string().nullable(), until: z.string().nullable() })
      .nullable()
      .describe('With a recipient: what would happen if sent now.'),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'SmsPreview' });
export type Preview = z.infer<typeof PreviewSchema>;

export async function previewSms(deps: SendingDeps, tenantId: string, body: PreviewBody): Promise<Preview> {
  const settings = await deps.settings.get(tenantId);
  const issues: FieldIssue[] = [];
  const hasRecipient = body.to !== undefined || body.contactId !== undefined;
  const { recipients, issues: recipientIssues } = hasRecipient ? await resolveRecipients(deps.db, tenantId, 'sms', [body]) : { recipients: [undefined], issues: [] };
  issues.push(...recipientIssues);
  const eventIssues: FieldIssue[][] = [[]];
  const [event] = await loadEvents(deps, tenantId, [body], eventIssues);
  issues.push(...eventIssues[0]!);
  if (issues.length > 0) throw new SendInputError(issues);
  const recipient = recipients[0];
  const warnings: string[] = [];
  const context = templateContext({ contact: recipient?.contact, to: { phone: recipient?.address }, event, message: { id: 'PREVIEW000' } });
  let rendered: string;
  try {
    // Tracked links are shown with a code of the real length, so the count is the one the send will have.
    const links = linkMaker(settings.shortLinkBase ?? deps.publicUrl, { sample: true });
    rendered = renderTemplate(parseTemplate(body.text), context, hasRecipient ? { link: links.link } : {
      link: links.link,
      onMissing: (variable) => {
        warnings.push(`"${variable}" has no default: shown as [${variable}]; a recipient without it would be refused`);
        return `[${variable}]`;
      },
    });
  } catch (error) {
    if (error instanceof TemplateError) throw new SendInputError(error.issues.map((issue) => ({ path: 'text', message: issue.message })));
    throw error;
  }
  const { text, appended } = body.category === 'marketing' ? ensureOptOutMention(rendered, settings.optOutMention) : { text: rendered, appended: false };
  const analysis = analyzeSms(text);
  const rewrite = suggestGsmRewrite(text);
  let compliance: Preview['compliance'] = null;
  if (recipient) {
    if (recipient.address === undefined || !recipient.mobile) compliance = { decision: 'block', reason: 'invalid_number', until: null };
    else {
      const decision = complianceDecision({
        category: body.category,
        channel: 'sms',
        consent: recipient.consent,
        optedOut: recipient.optedOut,
        now: deps.clock(),
        timeZone: recipient.contact?.timeZone ?? settings.timeZone,
        policy: settings.quietHours,
      });
      compliance =
        decision.kind === 'send'
          ? { decision: 'send', reason: null, until: null }
          : decision.kind === 'defer'
            ? { decision: 'defer', reason: decision.reason, until: decision.until.toISOString() }
            : { decision: 'block', reason: decision.reason, until: null };
    }
  }
  return {
    text,
    encoding: analysis.encoding,
    units: analysis.units,
    segments: analysis.segmentCount,
    parts: analysis.parts,
    nonGsmCharacters: analysis.nonGsmCharacters,
    optOutMentionAppended: appended,
    maxSegments: settings.maxSegments,
    withinLimit: analysis.segmentCount <= settings.maxSegments,
    gsmRewrite: {
      outcome: rewrite.outcome,
      text: rewrite.text,
      encoding: rewrite.analysis.encoding,
      segments: rewrite.analysis.segmentCount,
      replacements: rewrite.replacements,
      remainingNonGsm: rewrite.remainingNonGsm,
    },
    compliance,
    warnings,
  };
}
