import type { FastifyReply } from 'fastify';

/** The console's session cookie: an opaque random token, stored hashed server-side (src/tenancy/sessions.ts). */
export const SESSION_COOKIE = 'hub_session';

/**
 * HttpOnly: scripts (an injected one included) never read it. SameSite=Lax: other sites' requests do
 * not carry it, but following a link to the console does. Secure when the hub's public URL is https,
 * so a plain-HTTP hop never sees it; a hub tried on http://localhost still works.
 */
export function setSessionCookie(reply: FastifyReply, token: string, options: { secure: boolean; maxAgeSeconds: number }): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: options.maxAgeSeconds });
}

export function clearSessionCookie(reply: FastifyReply, options: { secure: boolean }): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secure });
}
