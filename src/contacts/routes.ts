import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../store/db.ts';
import { contactRoutes } from './contact-routes.ts';
import type { ContactsModule } from './contacts-module.ts';
import { listRoutes } from './list-routes.ts';
import { optOutRoutes } from './opt-out-routes.ts';

/** /v1/contacts, /v1/opt-outs and /v1/lists; every query is scoped to the API key's tenant. */
export const contactsRoutes: FastifyPluginAsyncZod<{ db: Db; module: ContactsModule }> = async (app, options) => {
  await app.register(contactRoutes, options);
  await app.register(optOutRoutes, options);
  await app.register(listRoutes, options);
};
