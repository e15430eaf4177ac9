/**
 * One message request → the message to store, or the reasons it is refused. Pure: the caller brings
 * the recipient (contact, consent, opt-out), the tenant's settings and the time.
 *
 * Order: render the template (unknown variables are bad input, whoever the recipient is) → the
 * opt-out mention on marketing SMS → encode and count segments (over the tenant's maximum is bad
 * input) → block (no usable address, opted out, no consent) → schedule (sendAt, staggering, then quiet
 * hours judged at the planned instant in the recipient's time zone).
 */
import { calendarFile, ICS_CONTENT_TYPE } from './ics.ts';
import type { EmailAttachment } from './providers/provider.ts';
import { analyzeSms } from './encoding/index.ts';
import { complianceDecision, ensureOptOutMention } from './compliance/index.ts';
import type { BlockReason, EmailContent, MessageCategory, MessageChannel, ScheduleReason, SmsEncoding } from './message.ts';
import type { Recipient } from './recipients.ts';
import type { CalendarEntryInput, EmailItem, FieldIssue, SmsItem } from './requests.ts';
import type { SendingSettings } from './settings.ts';
import { linkMaker, type MessageLink } from './links/link-codes.ts';
import { parseTemplate, renderTemplate, TemplateError, type RenderOptions } from './template.ts';
import { templateContext, type TemplateEvent } from './template-context.ts';

/** A message due within this margin is "accepted" (leaves now), later is "scheduled". */
export const SCHEDULED_MARGIN_MS = 1_000;

export interface Draft {
  id: string;
  channel: MessageChannel;
  category: MessageCategory;
  status: 'accepted' | 'scheduled' | 'blocked';
  blockReason: BlockReason | null;
  contactId: string | null;
  /** Address; for a blocked message without one, "". */
  to: string;
  from: string;
  text: string;
  email: EmailContent | null;
  encoding: SmsEncoding | null;
  segments: number | null;
  runAt: Date;
  scheduleReason: ScheduleReason | null;
  unsubscribeToken: string | null;
  /** SMS: the opt-out mention was appended. */
  mentionAppended: boolean;
  /** The tracked links rendered into the text (`{{ link "…" }}`), stored with the message. */
  links: MessageLink[];
}

export interface PrepareInput<Item> {
  id: string;
  item: Item;
  recipient: Recipient;
  event: TemplateEvent | undefined;
  settings: SendingSettings;
  now: Date;
  /** When the message should leave before quiet hours: now, sendAt, or its staggered slot. */
  plannedAt: Date;
  plannedReason: ScheduleReason | null;
  /** Email: the one-click unsubscribe link, for marketing. */
  unsubscribe?: { url: string; token: string };
  /** Where tracked links point: the tenant's short-link domain or the hub's public URL. */
  linkBase: string;
}

export type Prepared = { ok: true; draft: Draft } | { ok: false; issues: FieldIssue[] };

function renderField(source: string, field: string, context: Record<string, unknown>, issues: FieldIssue[], options: RenderOptions = {}): string {
  try {
    return renderTemplate(parseTemplate(source), context, options);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    for (const issue of error.issues) {
      const hint = issue.kind === 'unknown_variable' && issue.variable?.startsWith('event.') && !('event' in context) ? ' (this message has no event: pass eventId or event)' : '';
      issues.push({ path: field, message: issue.message + hint });
    }
    return '';
  }
}

function schedule(input: PrepareInput<SmsItem | EmailItem>, channel: MessageChannel): Pick<Draft, 'status' | 'blockReason' | 'runAt' | 'scheduleReason'> {
  const { recipient, settings, now, plannedAt } = input;
  const decision = complianceDecision({
    category: input.item.category,
    channel,
    consent: recipient.consent,
    optedOut: recipient.optedOut,
    now: plannedAt,
    timeZone: recipient.contact?.timeZone ?? settings.timeZone,
    policy: settings.quietHours,
  });
  if (decision.kind === 'block') return { status: 'blocked', blockReason: decision.reason, runAt: plannedAt, scheduleReason: null };
  const runAt = decision.kind === 'defer' ? decision.until : plannedAt;
  const reason = decision.kind === 'defer' ? 'quiet_hours' : input.plannedReason;
  const scheduled = runAt.getTime() > now.getTime() + SCHEDULED_MARGIN_MS;
  return { status: scheduled ? 'scheduled' : 'accepted', blockReason: null, runAt, scheduleReason: scheduled ? reason : null };
}

const blocked = (reason: BlockReason, plannedAt: Date) => ({ status: 'blocked' as const, blockReason: reason, runAt: plannedAt, scheduleReason: null });

export function prepareSms(input: PrepareInput<SmsItem>): Prepared {
  const { id, item, recipient, settings } = input;
  const issues: FieldIssue[] = [];
  const context = templateContext({ contact: recipient.contact, to: { phone: recipient.address }, event: input.event, message: { id } });
  // The short URLs are in the text before it is counted: a link's characters count in the segments.
  const links = linkMaker(input.linkBase);
  const rendered = renderField(item.text, 'text', context, issues, { link: links.link });
  if (issues.length > 0) return { ok: false, issues };
  if (rendered.trim().length === 0) return { ok: false, issues: [{ path: 'text', message: 'the rendered text is empty' }] };
  const { text, appended } = item.category === 'marketing' ? ensureOptOutMention(rendered, settings.optOutMention) : { text: rendered, appended: false };
  const analysis = analyzeSms(text);
  if (analysis.segmentCount > settings.maxSegments) {
    const forcing = analysis.nonGsmCharacters.length > 0 ? `; ${analysis.nonGsmCharacters.map((char) => `"${char}"`).join(' ')} force UCS-2 (70 characters per segment instead of 160): POST /v1/messages/preview suggests a GSM-7 rewrite` : '';
    return {
      ok: false,
      issues: [{ path: 'text', message: `the message needs ${analysis.segmentCount} SMS segments (${analysis.units} ${analysis.encoding === 'GSM-7' ? 'GSM-7 characters' : 'UCS-2 units'}${appended ? ', with the opt-out mention' : ''}); this tenant allows at most ${settings.maxSegments}${forcing}` }],
    };
  }
  const state = recipient.address === undefined || !recipient.mobile ? blocked('invalid_number', input.plannedAt) : schedule(input, 'sms');
  return {
    ok: true,
    draft: {
      id,
      channel: 'sms',
      category: item.category,
      ...state,
      contactId: recipient.contact?.id ?? null,
      to: recipient.address ?? '',
      from: item.from ?? settings.defaultSender.sms ?? '',
      text,
      email: null,
      encoding: analysis.encoding,
      segments: analysis.segmentCount,
      unsubscribeToken: null,
      mentionAppended: appended,
      links: links.links,
    },
  };
}

const UNSUBSCRIBE_TEXT = 'Se désinscrire';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!);
}

/** Marketing email: the unsubscribe link in the body when the template did not place it (L34-5 CPCE: a means to object in each message). */
export function withUnsubscribeFooter(text: string, html: string | null, url: string): { text: string; html: string | null } {
  const footerText = text.includes(url) ? text : `${text.replace(/\s+$/u, '')}\n\n--\n${UNSUBSCRIBE_TEXT} : ${url}\n`;
  let footerHtml = html;
  if (html !== null && !html.includes(escapeHtml(url)) && !html.includes(url)) {
    const link = `<p style="font-size:12px;color:#666"><a href="${escapeHtml(url)}">${UNSUBSCRIBE_TEXT}</a></p>`;
    footerHtml = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${link}</body>`) : `${html}${link}`;
  }
  return { text: footerText, html: footerHtml };
}

/** RFC 8058 one-click unsubscribe headers (required by Gmail and Yahoo for bulk senders since 2024). */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * The appointment of `calendarEntry`, rendered then written as an .ics (ics.ts). Its SEQUENCE is the
 * preparation time in seconds: a later email about the same uid (the appointment moved) replaces the entry.
 */
function calendarAttachment(entry: CalendarEntryInput, context: Record<string, unknown>, now: Date, issues: FieldIssue[]): EmailAttachment | undefined {
  const field = (name: keyof CalendarEntryInput) => {
    const source = entry[name];
    return source === undefined ? undefined : renderField(source, `calendarEntry.${name}`, context, issues).trim();
  };
  const instant = (name: 'start' | 'end') => {
    const text = field(name) ?? '';
    const date = new Date(text);
    if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) issues.push({ path: `calendarEntry.${name}`, message: `"${text.slice(0, 60)}" is not an ISO 8601 instant` });
    return date;
  };
  const [uid, start, end, summary, location, description] = [field('uid'), instant('start'), instant('end'), field('summary'), field('location'), field('description')];
  if (issues.length > 0) return undefined;
  if (end.getTime() <= start.getTime()) {
    issues.push({ path: 'calendarEntry.end', message: 'the end is not after the start' });
    return undefined;
  }
  const content = calendarFile({ uid: uid || 'appointment', start, end, summary: summary || '—', location, description, sequence: Math.floor(now.getTime() / 1000), stamp: now });
  return { filename: 'rendez-vous.ics', contentType: ICS_CONTENT_TYPE, content };
}

export function prepareEmail(input: PrepareInput<EmailItem>): Prepared {
  const { id, item, recipient, settings } = input;
  const issues: FieldIssue[] = [];
  const marketing = item.category === 'marketing' && input.unsubscribe !== undefined;
  const context = templateContext({
    contact: recipient.contact,
    to: { email: recipient.address },
    event: input.event,
    message: { id, ...(marketing ? { unsubscribeUrl: input.unsubscribe!.url } : {}) },
  });
  const links = linkMaker(input.linkBase);
  const subject = renderField(item.subject, 'subject', context, issues).replace(/[\r\n]+/g, ' ');
  let text = renderField(item.text, 'text', context, issues, { link: links.link });
  let html = item.html === undefined ? null : renderField(item.html, 'html', context, issues, { escape: 'html', link: links.link });
  const attachment = item.calendarEntry === undefined ? undefined : calendarAttachment(item.calendarEntry, context, input.now, issues);
  const from = item.from ?? settings.defaultSender.email;
  if (!from) issues.push({ path: 'from', message: 'no sender: give "from" ({ "email": "news@shop.fr" }) or set defaultSender.email with PUT /v1/sending/settings' });
  if (issues.length > 0) return { ok: false, issues };
  if (subject.trim().length === 0) return { ok: false, issues: [{ path: 'subject', message: 'the rendered subject is empty' }] };
  const headers: Record<string, string> = {};
  if (marketing) {
    ({ text, html } = withUnsubscribeFooter(text, html, input.unsubscribe!.url));
    Object.assign(headers, unsubscribeHeaders(input.unsubscribe!.url));
  }
  const state = recipient.address === undefined ? blocked('invalid_email', input.plannedAt) : schedule(input, 'email');
  return {
    ok: true,
    draft: {
      id,
      channel: 'email',
      category: item.category,
      ...state,
      contactId: recipient.contact?.id ?? null,
      to: recipient.address ?? '',
      from: from!.email,
      text,
      email: { subject, text, html, replyTo: item.replyTo ?? null, fromName: from!.name ?? null, headers, ...(attachment ? { attachments: [attachment] } : {}) },
      encoding: null,
      segments: null,
      unsubscribeToken: marketing ? input.unsubscribe!.token : null,
      mentionAppended: false,
      links: links.links,
    },
  };
}
