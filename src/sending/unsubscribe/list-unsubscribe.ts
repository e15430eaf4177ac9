import { z } from 'zod';
import type { UnsubscribeTokens } from './unsubscribe-token.ts';

/**
 * The List-Unsubscribe headers of a marketing email (RFC 2369, one-click per RFC 8058), which
 * Gmail and Yahoo require of bulk senders since February 2024:
 *
 *   List-Unsubscribe: <mailto:unsubscribe@example.com?subject=unsubscribe%20TOKEN>, <https://hub.example.com/unsubscribe/TOKEN>
 *   List-Unsubscribe-Post: List-Unsubscribe=One-Click
 *
 * The mail receiver POSTs `List-Unsubscribe=One-Click` to the https URI without any cookie or
 * session (RFC 8058 §3.2); the token in the URI is all the hub needs (see unsubscribe-token.ts).
 * The https URI must be https:// in production: receivers ignore one-click on anything else.
 * RFC 8058 §4 also wants both headers covered by the DKIM signature: the SMTP provider signs them.
 */

export const LIST_UNSUBSCRIBE_POST = 'List-Unsubscribe=One-Click';

/** The path of the public route, under the hub's public URL. */
export const UNSUBSCRIBE_PATH = '/unsubscribe';

/** A type, not an interface, so it fits `OutboundEmail.headers` (`Record<string, string>`). */
export type UnsubscribeHeaders = {
  'List-Unsubscribe': string;
  'List-Unsubscribe-Post': string;
};

const PublicUrlSchema = z
  .string()
  .refine((value) => /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(value), 'expected the hub public URL, e.g. "https://hub.example.com" (no query or fragment)');

const HeaderInputSchema = z.object({
  tenantId: z.string().min(1),
  messageId: z.string().min(1),
  // Checked here: the opt-out list would refuse it when the link is used, too late to say so.
  address: z.email({ error: (issue) => `address: "${String(issue.input)}" is not an email address` }),
  publicUrl: PublicUrlSchema,
  mailto: z.email({ error: (issue) => `mailto: "${String(issue.input)}" is not an email address` }).optional(),
});

export interface UnsubscribeHeaderInput {
  /** Signs the link; `createUnsubscribeTokens(hubSecretKey)`. */
  tokens: Pick<UnsubscribeTokens, 'sign'>;
  tenantId: string;
  /** The hub message id; kept with the opt-out as its proof. */
  messageId: string;
  /** The recipient, as in `OutboundEmail.to`. */
  address: string;
  /** `HubConfig.publicUrl` (no trailing slash needed). */
  publicUrl: string;
  /** A mailbox that takes unsubscribe requests by mail, e.g. `unsubscribe@bounces.example.com`; listed first when given. */
  mailto?: string;
}

/** `${publicUrl}/unsubscribe/<token>`: the page a person opens (GET) and the one-click endpoint (POST). */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${PublicUrlSchema.parse(publicUrl).replace(/\/+$/, '')}${UNSUBSCRIBE_PATH}/${token}`;
}

/**
 * The unsubscribe link of one message to one recipient: the URL (for the footer of the body,
 * which French law wants in every marketing message, L34-5 CPCE) and the two headers for
 * `OutboundEmail.headers`. The mailto subject carries the same token, so whoever reads that
 * mailbox can act on a request even when it comes from another address than the one subscribed.
 * @throws ZodError on an empty id or address, a publicUrl that is not http(s), a mailto that is not an address.
 */
export function createUnsubscribeLink(input: UnsubscribeHeaderInput): { url: string; headers: UnsubscribeHeaders } {
  const { tenantId, messageId, address, publicUrl, mailto } = HeaderInputSchema.parse(input);
  const token = input.tokens.sign({ tenantId, channel: 'email', address, messageId });
  const url = unsubscribeUrl(publicUrl, token);
  const uris = [`<${url}>`];
  if (mailto !== undefined) uris.unshift(`<mailto:${mailto}?subject=unsubscribe%20${token}>`);
  return { url, headers: { 'List-Unsubscribe': uris.join(', '), 'List-Unsubscribe-Post': LIST_UNSUBSCRIBE_POST } };
}

/** The two headers of `createUnsubscribeLink`. */
export function buildUnsubscribeHeaders(input: UnsubscribeHeaderInput): UnsubscribeHeaders {
  return createUnsubscribeLink(input).headers;
}
