import type { Headers, SendMailOptions } from 'nodemailer';
import { z } from 'zod';
import type { OutboundEmail } from '../provider.ts';
import type { SmtpSettings } from './smtp-settings.ts';

/**
 * OutboundEmail → the message nodemailer sends. Pure: no connection, no clock beyond what
 * nodemailer adds (Date), so every rule here has a table test.
 *
 * - Message-ID is `<messageId@domain>`: DSNs and most bounces quote the original Message-ID, so a
 *   bounce finds its hub message again (`messageIdFromHeader`). The DSN envelope id (ENVID,
 *   RFC 3461) is the hub message id too, for relays that offer DSN.
 * - text + html become multipart/alternative, text first (RFC 2046 §5.1.4: last is preferred).
 * - The pipeline's extra headers (List-Unsubscribe, List-Unsubscribe-Post…) go out as given, but
 *   may not replace the headers this mapping owns.
 */

/** A list of URIs in angle brackets (RFC 2369 §2), printable ASCII without spaces inside a URI. */
const URI_LIST = /^<[!-;=?-~]+>(\s*,\s*<[!-;=?-~]+>)*$/;

/**
 * List-Unsubscribe, folded between its URIs. Left to nodemailer, a header whose first URI is long
 * is folded right after the colon ("List-Unsubscribe:" CRLF " <mailto:…"): valid, but some
 * parsers then read the value with a leading space and line-based ones miss it. The value is
 * checked against URI_LIST first, so handing it to nodemailer as prepared cannot inject a line.
 */
function foldUriList(name: string, value: string): string | undefined {
  if (!URI_LIST.test(value)) return undefined;
  const uris = value.split(/\s*,\s*/);
  if (uris.some((uri) => uri.length + name.length + 3 > 998)) return undefined;
  return uris.join(',\r\n ');
}

export type ComposedMail =
  | { ok: true; mail: SendMailOptions; messageIdHeader: string }
  | { ok: false; reason: string };

/** Header names the composer owns; the pipeline's `headers` may not set them. */
const RESERVED_HEADERS = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'return-path',
  'dkim-signature',
]);

/** RFC 5322 §3.6.8 field-name: printable US-ASCII except ":". */
const FIELD_NAME = /^[!-9;-~]{1,76}$/;

const Address = z.email().max(254);
const HubMessageId = z.string().regex(/^[A-Za-z0-9]{1,64}$/);

/** The Message-ID header value of a hub message: `<AbC123xYz9@mail.example.com>`. */
export function messageIdHeader(messageId: string, domain: string): string {
  return `<${messageId}@${domain.toLowerCase()}>`;
}

/**
 * The hub message id inside a Message-ID (as quoted by a DSN or a bounce), or undefined when the
 * Message-ID was not made by `messageIdHeader`.
 */
export function messageIdFromHeader(value: string): string | undefined {
  return /^\s*<?([A-Za-z0-9]{1,64})@[A-Za-z0-9.-]+>?\s*$/.exec(value)?.[1];
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

export function composeSmtpMail(message: OutboundEmail, settings: Pick<SmtpSettings, 'from' | 'messageIdDomain' | 'bounceAddress'>): ComposedMail {
  if (!HubMessageId.safeParse(message.messageId).success) return { ok: false, reason: `message id "${message.messageId}" is not 1 to 64 letters and digits` };
  const to = Address.safeParse(message.to);
  if (!to.success) return { ok: false, reason: `recipient "${message.to}" is not a valid email address` };
  const from = message.from.email === '' ? settings.from : message.from;
  if (from === undefined) return { ok: false, reason: 'the message has no From address and the SMTP settings have no default "from"' };
  if (!Address.safeParse(from.email).success) return { ok: false, reason: `From "${from.email}" is not a valid email address` };
  if (message.replyTo !== undefined && !Address.safeParse(message.replyTo).success) return { ok: false, reason: `Reply-To "${message.replyTo}" is not a valid email address` };

  const headers: Headers = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (!FIELD_NAME.test(name)) return { ok: false, reason: `"${name}" is not a header field name` };
    if (RESERVED_HEADERS.has(name.toLowerCase())) return { ok: false, reason: `header "${name}" is set by the SMTP provider, not by the message headers` };
    if (/[\r\n]/.test(value)) return { ok: false, reason: `header "${name}" holds a line break` };
    const folded = name.toLowerCase() === 'list-unsubscribe' ? foldUriList(name, value) : undefined;
    headers[name] = folded === undefined ? value : { prepared: true, value: folded };
  }

  const idHeader = messageIdHeader(message.messageId, settings.messageIdDomain ?? domainOf(from.email));
  const mail: SendMailOptions = {
    messageId: idHeader,
    // Address objects, never strings: a display name or a comma in a string would be parsed as more recipients.
    from: { name: from.name ?? '', address: from.email },
    to: { name: '', address: to.data },
    subject: message.subject,
    text: message.text,
    headers,
    dsn: { id: message.messageId, return: 'headers', notify: ['failure', 'delay'], recipient: to.data },
  };
  if (message.html !== undefined) mail.html = message.html;
  if (message.attachments?.length) mail.attachments = message.attachments.map((file) => ({ filename: file.filename, contentType: file.contentType, content: file.content }));
  if (message.replyTo !== undefined) mail.replyTo = { name: '', address: message.replyTo };
  if (settings.bounceAddress !== undefined) mail.envelope = { from: settings.bounceAddress, to: [to.data] };
  return { ok: true, mail, messageIdHeader: idHeader };
}
