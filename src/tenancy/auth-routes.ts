import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../gateway/auth.ts';
import { HttpProblem, ProblemSchema } from '../gateway/problem.ts';
import { tooManyRequests } from '../gateway/rate-limits.ts';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../gateway/session-cookie.ts';
import type { Db, Sql } from '../store/db.ts';
import { takeInvitation } from './invitations.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, spendVerification, verifyPassword } from './passwords.ts';
import { SessionSchema, toUserView } from './session-view.ts';
import { createSession, endSession, endSessionByToken, endUserSessions, SESSION_MAX_AGE_SECONDS } from './sessions.ts';
import { takeSetupToken } from './setup-links.ts';
import { createUser, findUserForSignIn, getUser, type User } from './users.ts';

export interface AuthRouteOptions {
  db: Db;
  /** The cookie's Secure flag: on when the hub's public URL is https. */
  secureCookies: boolean;
  /** Failed sign-ins a minute for one email from one address; 0 = no limit. */
  signInFailuresPerMinute: number;
}

const Password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH)
  .describe(`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`);
const Email = z.email().max(254);
const Name = z.string().trim().min(1).max(100);
const Token = z.string().min(1).max(200);

const SetupBody = z.object({ token: Token, email: Email, password: Password, name: Name.optional() }).strict();
const SignInBody = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(PASSWORD_MAX_LENGTH) }).strict();
const AcceptBody = z.object({ token: Token, password: Password, name: Name.optional() }).strict();

const anonymous = { security: [] as [] };

/**
 * Signing in and out of the console: /v1/auth/*, GET /v1/session. Every sign-in (password, setup
 * link, invitation) starts a new session and ends the one the browser came with: a session token
 * planted before sign-in is worth nothing after it.
 */
export const authRoutes: FastifyPluginAsyncZod<AuthRouteOptions> = async (app, { db, secureCookies, signInFailuresPerMinute }) => {
  const failures =
    signInFailuresPerMinute > 0
      ? app.createRateLimit({
          max: signInFailuresPerMinute,
          keyGenerator: (request) => `sign-in:${request.ip}:${String((request.body as { email?: unknown } | undefined)?.email ?? '').trim().toLowerCase()}`,
        })
      : undefined;

  /** Starts the session in the caller's transaction; the cookie is set by `answer`, once that transaction has committed. */
  const startSession = async (request: FastifyRequest, tx: Sql, user: User) => {
    const previous = request.cookies[SESSION_COOKIE];
    if (previous) await endSessionByToken(tx, previous);
    return { user, session: await createSession(tx, user.tenantId, user.id) };
  };
  const answer = (reply: FastifyReply, started: Awaited<ReturnType<typeof startSession>>) => {
    setSessionCookie(reply, started.session.token, { secure: secureCookies, maxAgeSeconds: SESSION_MAX_AGE_SECONDS });
    return { user: toUserView(started.user), csrfToken: started.session.csrfToken };
  };

  app.post(
    '/auth/setup',
    {
      schema: {
        tags: ['people'],
        summary: "Create a tenant's first owner from a one-time setup link, and sign in",
        description:
          'The token is the `token` of the setup link the hub prints in its log at its first start (or `npm run hub -- tenants create` prints). ' +
          'It works once, for 24 hours. Answers the new session and sets the `hub_session` cookie.',
        ...anonymous,
        body: SetupBody,
        response: { 201: SessionSchema, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const passwordHash = await hashPassword(request.body.password);
      const started = await db.transaction(async (tx) => {
        const { tenantId } = await takeSetupToken(tx, request.body.token);
        const user = await createUser(tx, { tenantId, email: request.body.email, name: request.body.name, role: 'owner', passwordHash });
        return startSession(request, tx, user);
      });
      request.log.info({ userId: started.user.id, tenantId: started.user.tenantId }, 'first owner created from a setup link');
      return reply.code(201).send(answer(reply, started));
    },
  );

  app.post(
    '/auth/sign-in',
    {
      schema: {
        tags: ['people'],
        summary: 'Sign in to the console with an email and a password',
        description:
          'Sets the `hub_session` cookie (HttpOnly, SameSite=Lax, Secure on https) and answers the CSRF token to send with every change. ' +
          'Failed tries are limited per email and client address (429 with Retry-After).',
        ...anonymous,
        body: SignInBody,
        response: { 200: SessionSchema, 400: ProblemSchema, 401: ProblemSchema, 429: ProblemSchema },
      },
    },
    async (request, reply) => {
      if (failures) {
        const state = await failures(request, { increment: false });
        if (!state.isAllowed && state.remaining === 0) {
          throw tooManyRequests('Too many failed sign-ins for this email from this address.', Math.max(1, state.ttlInSeconds));
        }
      }
      const found = await findUserForSignIn(db, request.body.email);
      const valid = found ? await verifyPassword(found.passwordHash, request.body.password) : (await spendVerification(request.body.password), false);
      if (!found || !valid) {
        await failures?.(request);
        throw new HttpProblem(401, 'unauthorized', 'The email or the password is wrong.');
      }
      return answer(reply, await db.transaction((tx) => startSession(request, tx, found.user)));
    },
  );

  app.post(
    '/auth/accept-invitation',
    {
      schema: {
        tags: ['people'],
        summary: 'Accept an invitation: create the account with its password, and sign in',
        description: 'The token is the `token` of the invitation link (POST /v1/invitations). It works once, for 7 days.',
        ...anonymous,
        body: AcceptBody,
        response: { 201: SessionSchema, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const passwordHash = await hashPassword(request.body.password);
      const started = await db.transaction(async (tx) => {
        const invitation = await takeInvitation(tx, request.body.token);
        const user = await createUser(tx, { tenantId: invitation.tenantId, email: invitation.email, name: request.body.name, role: invitation.role, passwordHash });
        return startSession(request, tx, user);
      });
      return reply.code(201).send(answer(reply, started));
    },
  );

  const sessionOf = (request: FastifyRequest) => {
    const principal = principalOf(request);
    if (principal.kind !== 'session') {
      throw new HttpProblem(401, 'unauthorized', 'This request carries an API key, not a console session: GET /v1/me says who the key is.');
    }
    return principal;
  };

  app.get(
    '/session',
    {
      schema: {
        tags: ['people'],
        summary: 'The signed-in person and the CSRF token of their session',
        description: 'Answers 401 when the browser is signed out (no cookie, or the session has ended).',
        response: { 200: SessionSchema, 401: ProblemSchema },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const user = await getUser(db, session.tenantId, session.userId);
      if (!user) throw new HttpProblem(401, 'unauthorized', 'Your account no longer exists.');
      return { user: toUserView(user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/auth/sign-out',
    { schema: { tags: ['people'], summary: 'Sign out: ends this session', response: { 204: z.null(), 401: ProblemSchema } } },
    async (request, reply) => {
      const session = sessionOf(request);
      await endSession(db, session.tenantId, session.sessionId);
      clearSessionCookie(reply, { secure: secureCookies });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/sign-out-everywhere',
    {
      schema: {
        tags: ['people'],
        summary: "Sign out everywhere: ends every one of this person's sessions (every browser, every device)",
        response: { 200: z.object({ endedSessions: z.number().int() }), 401: ProblemSchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const endedSessions = await endUserSessions(db, session.tenantId, session.userId);
      clearSessionCookie(reply, { secure: secureCookies });
      return { endedSessions };
    },
  );
};
