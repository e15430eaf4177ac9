/**
 * Headers of a public HTML page reached by a link that carries a token (unsubscribe, survey): never
 * cached, indexed, framed, or sent on as a Referer; no script, forms post to the hub only.
 */
export const TOKEN_PAGE_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};
