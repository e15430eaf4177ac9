/** /v1/purchases: a contact's ledger lines, and the tenant's currency and exchange rates. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ContactService } from '../contacts/contacts.ts';
import { notFound } from '../errors.ts';
import { tenantOf } from '../gateway/auth.ts';
import { ProblemSchema } from '../gateway/problem.ts';
import type { Db } from '../store/db.ts';
import { purchasesOf } from './ledger-store.ts';
import { purchaseSettings, PurchaseSettingsSchema, putPurchaseSettings } from './settings.ts';

const PurchaseViewSchema = z
  .object({
    source: z.string(),
    orderId: z.string(),
    kind: z.enum(['order', 'credit_note']),
    status: z.string(),
    counts: z.boolean().describe('A purchase now: paid or being fulfilled (not pending, cancelled, failed or refunded).'),
    amount: z.number(),
    refunded: z.number(),
    currency: z.string(),
    value: z.number().nullable().describe("What it adds to money spent, in the tenant's currency; null: no rate for its currency."),
    placedAt: z.string(),
    modifiedAt: z.string(),
    categories: z.array(z.string()),
  })
  .meta({ id: 'Purchase' });

const SettingsView = z.object({ currency: z.string(), exchangeRates: z.record(z.string(), z.number()) }).meta({ id: 'PurchaseSettings' });

export const purchaseRoutes: FastifyPluginAsyncZod<{ db: Db; contacts: Pick<ContactService, 'getContact'> }> = async (app, { db, contacts }) => {
  app.get(
    '/purchases',
    {
      schema: {
        tags: ['purchases'],
        summary: "A contact's purchase ledger, latest first",
        description: 'One line per order (its latest state) or credit note, as segments and RFM count them.',
        querystring: z.object({ contactId: z.string().min(1).max(64), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(PurchaseViewSchema) }), 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const tenantId = tenantOf(request);
      if (!(await contacts.getContact(tenantId, request.query.contactId))) throw notFound('contact', request.query.contactId);
      const lines = await purchasesOf(db, tenantId, request.query.contactId, request.query.limit);
      return { items: lines.map((line) => ({ ...line, placedAt: line.placedAt.toISOString(), modifiedAt: line.modifiedAt.toISOString() })) };
    },
  );

  app.get('/purchases/settings', { schema: { tags: ['purchases'], summary: "The tenant's currency and exchange rates", response: { 200: SettingsView } } }, async (request) =>
    purchaseSettings(db, tenantOf(request)),
  );

  app.put(
    '/purchases/settings',
    {
      schema: {
        tags: ['purchases'],
        summary: "Set the tenant's currency and exchange rates",
        description: 'The whole ledger is re-valued with them at once.',
        body: PurchaseSettingsSchema,
        response: { 200: SettingsView, 400: ProblemSchema },
      },
    },
    async (request) => putPurchaseSettings(db, tenantOf(request), request.body),
  );
};
