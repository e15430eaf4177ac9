/**
 * The browser's side of an OAuth connector's authorization flow, under /connectors/<id>/oauth (public: the
 * flow's signed state and the browser's cookies are the credentials here, not an API key):
 *
 *   GET start/:state   the link the API answered: opens the flow once, then @fastify/oauth2's generateAuthorizationUri
 *                      sets the state and PKCE verifier cookies (HttpOnly, SameSite=Lax, path /connectors/<id>/oauth)
 *                      and the browser is redirected to the provider with code_challenge (S256)
 *   GET callback       the provider's redirect: error=access_denied, or the state consumed once (signature, unused,
 *                      unexpired, the cookie of the browser that started), then the code exchanged with the verifier
 *                      (getAccessTokenFromAuthorizationCodeFlow) and the installation completed
 *
 * Every outcome is a page (pages.ts); nothing is stored unless the page says connected.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Connector } from '../connector.ts';
import type { ConnectorDeps } from '../deps.ts';
import { authorizationServerOf } from './authorization-server.ts';
import { completeAuthorization } from './authorize.ts';
import { resolveClient, STATE_COOKIE, type OAuthProviders } from './clients.ts';
import { consumeFlow, openFlow, recordOutcome, type FlowRefusal } from './flows.ts';
import { pages, renderPage, type FlowPage } from './pages.ts';
import { isInvalidGrant, missingClient, tokenCallError } from './tokens.ts';

function send(reply: FastifyReply, page: FlowPage): FastifyReply {
  return reply
    .code(page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    .send(renderPage(page));
}

const refusalPage = (refusal: FlowRefusal): FlowPage => (refusal === 'expired' ? pages.expired() : refusal === 'used' ? pages.used() : pages.badState());

const CallbackQuery = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

export function oauthPublicRoutes(deps: ConnectorDeps, providers: OAuthProviders, connector: Connector) {
  const name = connector.manifest.name;
  const id = connector.manifest.id;
  return async (parent: FastifyInstance): Promise<void> => {
    const app = parent.withTypeProvider<ZodTypeProvider>();
    // The flow's cookies are sent only under the connector's oauth path (the gateway may read cookies already).
    if (!app.hasReplyDecorator('setCookie')) await app.register(fastifyCookie);

    app.get('/oauth/start/:state', { schema: { hide: true, params: z.object({ state: z.string().max(200) }) } }, async (request, reply) => {
      const flow = await openFlow(deps, id, request.params.state);
      if (typeof flow === 'string') return send(reply, refusalPage(flow));
      const client = await resolveClient(deps, flow.tenantId, id);
      if (!client) {
        await recordOutcome(deps, flow.id, 'failed', 'no OAuth client');
        return send(reply, pages.refused(name, missingClient(connector).message));
      }
      const provider = await providers.get(connector, client, authorizationServerOf(connector, flow.input, deps.network));
      request.hubOAuth = { state: request.params.state };
      const url = await provider.generateAuthorizationUri(request, reply);
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    });

    app.get('/oauth/callback', { schema: { hide: true, querystring: CallbackQuery } }, async (request, reply) => {
      const { state, error } = request.query;
      if (error !== undefined) {
        // The admin declined (access_denied) or the provider refused the request: the flow ends here, unused.
        const flow = await consumeFlow(deps, id, state);
        if (typeof flow !== 'string') await recordOutcome(deps, flow.id, 'denied', error);
        return send(reply, error === 'access_denied' ? pages.denied(name) : pages.providerError(name, error, request.query.error_description));
      }
      const flow = await consumeFlow(deps, id, state);
      if (typeof flow === 'string') return send(reply, refusalPage(flow));
      const fail = async (page: FlowPage, note: string) => {
        await recordOutcome(deps, flow.id, 'failed', note);
        return send(reply, page);
      };
      if (request.cookies[STATE_COOKIE] !== state) return fail(pages.otherBrowser(), 'state cookie missing or different');
      if (!(await deps.principalActive(flow.tenantId, flow.startedBy))) return fail(pages.starterGone(), `${flow.startedBy} no longer valid`);
      if (!request.query.code) return fail(pages.badState(), 'no code');
      const client = await resolveClient(deps, flow.tenantId, id);
      if (!client) return fail(pages.refused(name, missingClient(connector).message), 'no OAuth client');
      const provider = await providers.get(connector, client, authorizationServerOf(connector, flow.input, deps.network));
      request.hubOAuth = { state: state!, checked: true };
      let exchanged;
      try {
        // The plugin checks the state cookie again, exchanges the code with the PKCE verifier of its cookie, and clears both.
        exchanged = await provider.getAccessTokenFromAuthorizationCodeFlow(request, reply);
      } catch (exchangeError) {
        const failure = tokenCallError(exchangeError, 'exchanging the authorization code');
        request.log.warn({ err: failure, connector: id }, 'OAuth code exchange failed');
        if (isInvalidGrant(exchangeError)) return fail(pages.refused(name, 'The provider refused the authorization code (already used or expired).'), failure.message);
        return fail(failure.transient ? pages.failed(name, failure.message) : pages.refused(name, failure.message), failure.message);
      }
      const completion = await completeAuthorization(deps, connector, flow, exchanged);
      if (!completion.ok) return fail(completion.kind === 'failed' ? pages.failed(name, completion.message) : pages.refused(name, completion.message), completion.message);
      await recordOutcome(deps, flow.id, completion.reconnected ? 'reconnected' : 'installed', completion.installation.id);
      return send(reply, pages.connected(name, completion.installation, completion.reconnected));
    });
  };
}
