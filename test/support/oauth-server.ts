/**
 * A local OAuth 2.0 authorization server (and a tiny protected API) for the hub's OAuth tests, speaking what
 * Google's endpoints speak (RFC 6749 + PKCE RFC 7636 + revocation RFC 7009):
 *
 *   GET  /authorize   checks client_id, redirect_uri, code_challenge (S256 only); answers the consent the test
 *                     chose: 302 redirect_uri?code&state, or ?error=access_denied&state
 *   POST /token       authorization_code (single-use code, same redirect_uri, code_verifier hashed to the challenge,
 *                     client authenticated) and refresh_token (rotating on demand: a spent refresh token is
 *                     invalid_grant, as Salesforce and Google's "refresh token rotation" do)
 *   POST /revoke      revokes a refresh token (the whole grant) or an access token
 *   GET  /userinfo    who an access token belongs to (401 when unknown, expired or revoked)
 *   GET  /api/*       a protected resource: records which token called it; 401 like /userinfo
 *
 * Every request is recorded, so tests count refreshes and see what the hub sent.
 *
 * With `salesforce`, it speaks Salesforce's flavour instead (help.salesforce.com "OAuth 2.0 Web Server Flow"): the
 * same endpoints also under /services/oauth2/{authorize,token,revoke}, the client authenticated in the form only
 * (HTTP Basic is refused), token answers with `instance_url`, `id` (the identity URL
 * https://login.salesforce.com/id/<org>/<user>), `issued_at` and `signature` (base64 HMAC-SHA256 of id + issued_at
 * with the client secret) and no `expires_in`, and refresh answers without a new refresh token (no rotation).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

interface Grant {
  id: number;
  account: string;
  scope: string;
  revoked: boolean;
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
}

export interface TokenCall {
  grantType: string;
  clientAuth: 'header' | 'body' | 'none';
  /** What the server answered: `ok`, or the OAuth error code. */
  result: string;
  refreshToken?: string;
  at: number;
}

export interface OAuthTestServer {
  url: string;
  app: FastifyInstance;
  clientId: string;
  clientSecret: string;
  /** The redirect URI the client allows (set by the test: the hub's callback). */
  allowRedirect(uri: string): void;
  /** What /authorize does next: approve for this account, or deny. */
  consent: { decision: 'approve' | 'deny'; account: string };
  /** Lifetime of the next access tokens, seconds. */
  accessTokenSeconds: number;
  /** Whether refreshing answers a new refresh token and spends the old one. */
  rotateRefreshTokens: boolean;
  /** Milliseconds the token endpoint waits before answering a refresh (to widen races). */
  refreshDelayMs: number;
  tokenCalls: TokenCall[];
  authorizeRequests: URLSearchParams[];
  revocations: { token: string; hint: string | undefined }[];
  /** Access tokens seen by /api/*, in order, with the path. */
  apiCalls: { path: string; token: string; account: string }[];
  /** API and userinfo calls refused with 401. */
  rejected: number;
  /** Milliseconds /api/* waits before answering, and what it runs meanwhile (a test looks at the hub's database then). */
  apiDelayMs: number;
  onApiCall: ((path: string) => Promise<void>) | undefined;
  /** Told of every access token issued: a fake resource server (Google's APIs) accepts it from then on. */
  onAccessToken: ((token: string, account: string) => void) | undefined;
  /** Revoke a grant behind the hub's back (the user removed the app's access): its tokens stop working. */
  revokeAccount(account: string): void;
  /** Make every current access token of an account expire now (the next API call gets 401). */
  expireAccessTokens(account: string): void;
  /** The account a valid access token belongs to (undefined, and counted in `rejected`, otherwise): for API fakes. */
  accountOf(accessToken: string): string | undefined;
  close(): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const token = (prefix: string) => `${prefix}.${randomBytes(18).toString('base64url')}`;

export interface SalesforceFlavour {
  organizationId: string;
  userId: string;
  instanceUrl: string;
}

export async function startOAuthTestServer(options: { salesforce?: SalesforceFlavour } = {}): Promise<OAuthTestServer> {
  const salesforce = options.salesforce;
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  const clientId = `client-${randomBytes(4).toString('hex')}.apps.example`;
  const clientSecret = randomBytes(16).toString('base64url');
  const redirects = new Set<string>();
  const codes = new Map<string, { grant: Grant; redirectUri: string; challenge: string; used: boolean; expiresAt: number }>();
  const refreshTokens = new Map<string, { grant: Grant; spent: boolean }>();
  const accessTokens = new Map<string, AccessToken>();
  let grants = 0;

  const server: Omit<OAuthTestServer, 'url'> = {
    app,
    clientId,
    clientSecret,
    allowRedirect: (uri) => void redirects.add(uri),
    consent: { decision: 'approve', account: 'salon.dupont@example.com' },
    accessTokenSeconds: 3600,
    rotateRefreshTokens: salesforce === undefined,
    refreshDelayMs: 0,
    tokenCalls: [],
    authorizeRequests: [],
    revocations: [],
    apiCalls: [],
    rejected: 0,
    apiDelayMs: 0,
    onApiCall: undefined,
    onAccessToken: undefined,
    revokeAccount(account) {
      for (const entry of refreshTokens.values()) if (entry.grant.account === account) entry.grant.revoked = true;
    },
    expireAccessTokens(account) {
      for (const entry of accessTokens.values()) if (entry.grant.account === account) entry.expiresAt = 0;
    },
    // Set below, once the token tables exist.
    accountOf: () => undefined,
    close: () => app.close(),
  };

  const issue = (grant: Grant, withRefresh: boolean) => {
    const access = token('at');
    accessTokens.set(access, { grant, expiresAt: Date.now() + server.accessTokenSeconds * 1000 });
    server.onAccessToken?.(access, grant.account);
    const answer: Record<string, unknown> = salesforce
      ? salesforceAnswer(access, grant)
      : { access_token: access, token_type: 'Bearer', expires_in: server.accessTokenSeconds, scope: grant.scope, account_hint: grant.account };
    if (withRefresh) {
      const refresh = token('rt');
      refreshTokens.set(refresh, { grant, spent: false });
      answer.refresh_token = refresh;
    }
    return answer;
  };

  /** Salesforce's token answer: no expiry announced (the session lasts the org's timeout), where the org lives and who signed in. */
  const salesforceAnswer = (access: string, grant: Grant) => {
    const id = `https://login.salesforce.com/id/${salesforce!.organizationId}/${salesforce!.userId}`;
    const issuedAt = String(Date.now());
    return {
      access_token: access,
      signature: createHmac('sha256', clientSecret).update(id + issuedAt).digest('base64'),
      scope: grant.scope,
      instance_url: salesforce!.instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  };

  const oauthError = (reply: FastifyReply, status: number, error: string, description: string) => reply.code(status).send({ error, error_description: description });

  /** The client's credentials, from HTTP Basic or the form (RFC 6749 §2.3.1). */
  const authenticate = (request: FastifyRequest, form: Record<string, string>): 'header' | 'body' | undefined => {
    const header = request.headers.authorization;
    // Salesforce authenticates the client by the form's client_id and client_secret only.
    if (header?.startsWith('Basic ') && salesforce) return undefined;
    if (header?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      return id === clientId && secret === clientSecret ? 'header' : undefined;
    }
    return form.client_id === clientId && form.client_secret === clientSecret ? 'body' : undefined;
  };

  const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    server.authorizeRequests.push(query);
    const redirectUri = query.get('redirect_uri') ?? '';
    if (query.get('client_id') !== clientId) return reply.code(400).send('unknown client_id');
    if (!redirects.has(redirectUri)) return reply.code(400).send(`redirect_uri_mismatch: ${redirectUri}`);
    const back = new URL(redirectUri);
    if (query.get('state')) back.searchParams.set('state', query.get('state')!);
    if (query.get('response_type') !== 'code' || query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'PKCE with S256 is required');
      return reply.redirect(back.toString(), 302);
    }
    if (server.consent.decision === 'deny') {
      back.searchParams.set('error', 'access_denied');
      return reply.redirect(back.toString(), 302);
    }
    const code = token('code');
    codes.set(code, {
      grant: { id: ++grants, account: server.consent.account, scope: query.get('scope') ?? '', revoked: false },
      redirectUri,
      challenge: query.get('code_challenge')!,
      used: false,
      expiresAt: Date.now() + 60_000,
    });
    back.searchParams.set('code', code);
    return reply.redirect(back.toString(), 302);
  };

  const tokenEndpoint = async (request: FastifyRequest, reply: FastifyReply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const call: TokenCall = { grantType: form.grant_type ?? '', clientAuth: 'none', result: 'ok', at: Date.now(), ...(form.refresh_token ? { refreshToken: form.refresh_token } : {}) };
    server.tokenCalls.push(call);
    const fail = (status: number, error: string, description: string) => {
      call.result = error;
      return oauthError(reply, status, error, description);
    };
    const auth = authenticate(request, form);
    if (!auth) return fail(401, 'invalid_client', 'Unknown client or wrong secret.');
    call.clientAuth = auth;
    if (form.grant_type === 'authorization_code') {
      const entry = codes.get(form.code ?? '');
      if (!entry || entry.used || entry.expiresAt < Date.now()) {
        // A code replayed: the grant it made is revoked too (RFC 6749 §4.1.2).
        if (entry) entry.grant.revoked = true;
        return fail(400, 'invalid_grant', 'Malformed auth code.');
      }
      entry.used = true;
      if (form.redirect_uri !== entry.redirectUri) return fail(400, 'invalid_grant', 'redirect_uri does not match.');
      if (!form.code_verifier || sha256(form.code_verifier) !== entry.challenge) return fail(400, 'invalid_grant', 'Invalid code verifier.');
      return issue(entry.grant, true);
    }
    if (form.grant_type === 'refresh_token') {
      if (server.refreshDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, server.refreshDelayMs));
      const entry = refreshTokens.get(form.refresh_token ?? '');
      if (!entry || entry.grant.revoked) return fail(400, 'invalid_grant', 'Token has been expired or revoked.');
      if (entry.spent) {
        // Reuse of a rotated refresh token: the whole grant is revoked (OAuth 2.0 Security BCP §4.14).
        entry.grant.revoked = true;
        return fail(400, 'invalid_grant', 'Refresh token reused.');
      }
      if (server.rotateRefreshTokens) entry.spent = true;
      return issue(entry.grant, server.rotateRefreshTokens);
    }
    return fail(400, 'unsupported_grant_type', String(form.grant_type));
  };

  const revoke = async (request: FastifyRequest, reply: FastifyReply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    server.revocations.push({ token: form.token ?? '', hint: form.token_type_hint });
    const refresh = refreshTokens.get(form.token ?? '');
    if (refresh) refresh.grant.revoked = true;
    const access = accessTokens.get(form.token ?? '');
    if (access) access.grant.revoked = true;
    if (!refresh && !access) return oauthError(reply, 400, 'invalid_token', 'Token expired or revoked.');
    // Google and Salesforce answer 200 with an empty body.
    return reply.code(200).send('');
  };

  for (const base of salesforce ? ['', '/services/oauth2'] : ['']) {
    app.get(`${base}/authorize`, authorize);
    app.post(`${base}/token`, tokenEndpoint);
    app.post(`${base}/revoke`, revoke);
  }

  const grantOf = (value: string): Grant | undefined => {
    const entry = accessTokens.get(value);
    if (!entry || entry.grant.revoked || entry.expiresAt <= Date.now()) {
      server.rejected++;
      return undefined;
    }
    return entry.grant;
  };
  server.accountOf = (value) => grantOf(value)?.account;

  const bearer = (request: FastifyRequest): { token: string; grant: Grant } | undefined => {
    const header = request.headers.authorization ?? '';
    const value = header.startsWith('Bearer ') ? header.slice(7) : '';
    const grant = grantOf(value);
    return grant && { token: value, grant };
  };

  app.get('/userinfo', async (request, reply) => {
    const caller = bearer(request);
    if (!caller) return reply.code(401).send({ error: { code: 401, message: 'Request had invalid authentication credentials.' } });
    return { email: caller.grant.account, sub: `user-${caller.grant.id}` };
  });

  app.all('/api/*', async (request, reply) => {
    const caller = bearer(request);
    if (!caller) return reply.code(401).send({ error: { code: 401, message: 'Request had invalid authentication credentials.' } });
    const path = request.url.split('?')[0]!;
    if (server.onApiCall) await server.onApiCall(path);
    if (server.apiDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, server.apiDelayMs));
    // The caller died while waiting (a killed hub process): its call never completed, so it is not counted.
    if (request.raw.socket.destroyed) return reply;
    server.apiCalls.push({ path, token: caller.token, account: caller.grant.account });
    return { ok: true, path, account: caller.grant.account, items: [{ id: 'thing-1', name: 'Coupe Mme Dupont', version: server.apiCalls.length }] };
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return Object.assign(server, { url: address });
}
