/**
 * `GET /l/<code>`: a recipient opens a tracked link. The click is counted, `link.clicked` is
 * published (message, contact, origin: the campaign or scenario), and the answer is a 302 to the
 * stored URL. The target is only ever the stored one: the request chooses nothing (no open redirect).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { EventPublisher } from '../../contacts/contacts.ts';
import type { RouteModule } from '../../gateway/app.ts';
import type { Sql } from '../../store/db.ts';
import { LINK_PATH, LinkCodePattern } from './link-codes.ts';
import { recordClick, type LinkRow } from './link-store.ts';

export interface LinkRoutesOptions {
  db: Sql;
  publisher: EventPublisher;
  log: Logger;
  clock: () => Date;
}

const NOT_FOUND_PAGE = '<!doctype html><meta charset="utf-8"><title>Lien inconnu</title><p>Ce lien n’existe pas ou a expiré.</p>';

/** `origin` "campaign:<id>" / "scenario:<id>" → the event's fields. */
export function originFields(origin: string | null): { campaignId?: string; scenarioId?: string; origin?: string } {
  if (origin === null) return {};
  const [kind, id] = origin.split(':', 2);
  if (kind === 'campaign' && id) return { origin, campaignId: id };
  if (kind === 'scenario' && id) return { origin, scenarioId: id };
  return { origin };
}

export async function publishClick(publisher: EventPublisher, link: LinkRow, at: Date): Promise<void> {
  await publisher.publish({
    tenantId: link.tenant_id,
    source: 'hub',
    type: 'link.clicked',
    // One event per click: the count is the click's number for this link.
    dedupeKey: `link.clicked:${link.code}:${link.clicks}`,
    occurredAt: at,
    subject: { ...(link.contact_id ? { contactId: link.contact_id } : {}), ...(link.channel === 'sms' ? { phone: link.to_address } : { email: link.to_address }) },
    data: { messageId: link.message_id, channel: link.channel, url: link.url, code: link.code, clicks: link.clicks, ...originFields(link.origin) },
  });
}

export const linkRoutes: FastifyPluginAsyncZod<LinkRoutesOptions> = async (app, { db, publisher, log, clock }) => {
  app.get(`${LINK_PATH}/:code`, { schema: { hide: true, params: z.object({ code: z.string().max(64) }) } }, async (request, reply) => {
    const code = request.params.code;
    const link = LinkCodePattern.test(code) ? await recordClick(db, code, clock()) : undefined;
    if (!link) return reply.code(404).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_FOUND_PAGE);
    try {
      await publishClick(publisher, link, clock());
    } catch (error) {
      // The recipient still gets their page; the click is counted, only its event is missing.
      log.warn({ err: error, tenantId: link.tenant_id, code }, 'link.clicked not published');
    }
    // no-store: every open reaches the hub and is counted; no-referrer: the code stays out of the target's logs.
    return reply.code(302).headers({ location: link.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send();
  });
};

export function linkRouteModule(options: LinkRoutesOptions): RouteModule {
  return { scope: 'public', register: async (app) => void (await app.register(linkRoutes, options)) };
}
