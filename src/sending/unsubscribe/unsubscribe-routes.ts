import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ContactInputError } from '../../contacts/errors.ts';
import type { OptOutList } from '../../contacts/opt-outs.ts';
import type { RouteModule } from '../../gateway/app.ts';
import { TOKEN_PAGE_HEADERS } from '../../gateway/token-page.ts';
import { HttpProblem } from '../../gateway/problem.ts';
import { UNSUBSCRIBE_PATH } from './list-unsubscribe.ts';
import { renderUnsubscribePage, type UnsubscribePage } from './unsubscribe-page.ts';
import type { UnsubscribeClaims, UnsubscribeTokens } from './unsubscribe-token.ts';

export interface UnsubscribeRoutesOptions {
  tokens: Pick<UnsubscribeTokens, 'verify'>;
  optOuts: Pick<OptOutList, 'optOut'>;
}

/** The opt-out source of a one-click unsubscribe (`opt_outs.source`, `contact.unsubscribed` data.via). */
export const oneClickSource = (channel: UnsubscribeClaims['channel']) => `${channel}-one-click`;

/** RFC 8058 bodies are one short field; anything bigger is not a mail receiver's POST. */
const BODY_LIMIT_BYTES = 8 * 1024;

/**
 * A wildcard, not `:token`: the router refuses parameters over 100 characters (414) and a token
 * grows with the address (about 100 characters for a 25-character address). A token never holds "/".
 */
const ParamsSchema = z.object({ '*': z.string().max(4096) });
const ROUTE = `${UNSUBSCRIBE_PATH}/*`;

const sendPage = (reply: FastifyReply, status: number, page: UnsubscribePage) =>
  reply.code(status).headers(TOKEN_PAGE_HEADERS).type('text/html; charset=utf-8').send(renderUnsubscribePage(page));

/**
 * `GET /unsubscribe/<token>` shows a confirmation page; `POST /unsubscribe/<token>` records the
 * opt-out. The POST is what a mail receiver sends for one-click (RFC 8058: no cookie, no
 * authorization, `List-Unsubscribe=One-Click` as multipart/form-data or form-urlencoded) and what
 * the page's button sends. The token alone authorizes it, so the body is not inspected: a person
 * who POSTs to their own link means it, whatever the client put in the body. Repeating the POST
 * is harmless: the opt-out list records the first and publishes `contact.unsubscribed` once.
 */
export const unsubscribeRoutes: FastifyPluginAsyncZod<UnsubscribeRoutesOptions> = async (app, { tokens, optOuts }) => {
  // Scoped to this plugin: the rest of the gateway keeps refusing non-JSON bodies.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_request, _body, done) => done(null, undefined));
  const schema = { hide: true, tags: ['unsubscribe'], params: ParamsSchema };

  app.get(ROUTE, { schema }, async (request, reply) => {
    const token = request.params['*'];
    const claims = tokens.verify(token);
    if (!claims) return sendPage(reply, 404, { kind: 'invalid' });
    return sendPage(reply, 200, { kind: 'confirm', address: claims.address, token });
  });

  app.post(ROUTE, { schema, bodyLimit: BODY_LIMIT_BYTES }, async (request, reply) => {
    const claims = tokens.verify(request.params['*']);
    if (!claims) {
      throw new HttpProblem(404, 'not-found', 'This unsubscribe link is not valid: it is incomplete, was altered, or was not issued by this hub. Nothing was recorded.');
    }
    let created: boolean;
    try {
      ({ created } = await optOuts.optOut(claims.tenantId, claims.channel, claims.address, {
        source: oneClickSource(claims.channel),
        reason: `unsubscribe link of message ${claims.messageId}`,
      }));
    } catch (error) {
      // Only a link signed for an address the opt-out list does not take (the builder checks emails).
      if (error instanceof ContactInputError) throw new HttpProblem(400, 'unprocessable', `This unsubscribe link names an address that cannot be recorded: ${error.message}`);
      throw error;
    }
    request.log.info({ tenantId: claims.tenantId, channel: claims.channel, messageId: claims.messageId, created }, 'unsubscribe link used');
    return sendPage(reply, 200, { kind: 'done', address: claims.address });
  });
};

/** The public (unauthenticated, token-verified) route module to list in the hub's routes. */
export function unsubscribeRouteModule(options: UnsubscribeRoutesOptions): RouteModule {
  return { scope: 'public', register: async (app) => void (await app.register(unsubscribeRoutes, options)) };
}
