/**
 * One-click unsubscribe for email (RFC 8058): signed links, the List-Unsubscribe headers, and the
 * public route that records the opt-out. See docs/email.md.
 */
export { buildUnsubscribeHeaders, createUnsubscribeLink, LIST_UNSUBSCRIBE_POST, UNSUBSCRIBE_PATH, unsubscribeUrl } from './list-unsubscribe.ts';
export type { UnsubscribeHeaderInput, UnsubscribeHeaders } from './list-unsubscribe.ts';
export { oneClickSource, unsubscribeRouteModule, unsubscribeRoutes } from './unsubscribe-routes.ts';
export type { UnsubscribeRoutesOptions } from './unsubscribe-routes.ts';
export { createUnsubscribeTokens, MAX_TOKEN_LENGTH, UnsubscribeClaimsSchema } from './unsubscribe-token.ts';
export type { UnsubscribeChannel, UnsubscribeClaims, UnsubscribeTokens } from './unsubscribe-token.ts';
