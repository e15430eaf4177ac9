import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../gateway/auth.ts';
import { HttpProblem, notFound, ProblemSchema } from '../../gateway/problem.ts';
import type { Db } from '../../store/db.ts';
import { AccountViewSchema, CreateAccountSchema, PatchAccountSchema, toAccountView } from './account.ts';
import {
  countAccounts,
  createAccount,
  deleteAccount,
  getAccount,
  listAccounts,
  MAX_ACCOUNTS_PER_TENANT,
  SystemIdTakenError,
  updateAccount,
} from './account-store.ts';

export interface SmppAccountRoutesOptions {
  db: Db;
  /** Told when an account is disabled or deleted, so bound sessions of this process close at once. */
  onAccountRevoked(accountId: string): void;
}

const IdParamsSchema = z.object({ id: z.string().min(1).max(64) });
const WithPasswordSchema = AccountViewSchema.extend({
  password: z.string().optional().describe('Only when the hub generated it (create without password, or patch with generatePassword): shown once.'),
});

const conflict = (error: SystemIdTakenError) =>
  new HttpProblem(409, 'conflict', error.message, { errors: [{ path: 'body.systemId', message: 'already used' }] });

/** /v1/smpp/accounts: the SMPP accounts ESMEs bind with (docs/adobe-campaign.md). */
export const smppAccountRoutes: FastifyPluginAsyncZod<SmppAccountRoutesOptions> = async (app, { db, onAccountRevoked }) => {
  app.post(
    '/smpp/accounts',
    {
      schema: {
        tags: ['smpp'],
        summary: 'Create an SMPP account',
        description: 'Without a password the hub generates one (8 characters, the SMPP 3.4 maximum) and returns it once.',
        body: CreateAccountSchema,
        response: { 201: WithPasswordSchema, 400: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      if ((await countAccounts(db, tenantId)) >= MAX_ACCOUNTS_PER_TENANT) {
        throw new HttpProblem(422, 'unprocessable', `A tenant has at most ${MAX_ACCOUNTS_PER_TENANT} SMPP accounts; delete one first.`);
      }
      try {
        const { account, password } = await createAccount(db, tenantId, request.body);
        return reply.code(201).send({ ...toAccountView(account), ...(password === undefined ? {} : { password }) });
      } catch (error) {
        if (error instanceof SystemIdTakenError) throw conflict(error);
        throw error;
      }
    },
  );

  app.get(
    '/smpp/accounts',
    { schema: { tags: ['smpp'], summary: 'List SMPP accounts', response: { 200: z.object({ data: z.array(AccountViewSchema) }) } } },
    async (request) => ({ data: (await listAccounts(db, tenantOf(request))).map(toAccountView) }),
  );

  app.get(
    '/smpp/accounts/:id',
    { schema: { tags: ['smpp'], summary: 'Get an SMPP account', params: IdParamsSchema, response: { 200: AccountViewSchema, 404: ProblemSchema } } },
    async (request) => {
      const account = await getAccount(db, tenantOf(request), request.params.id);
      if (!account) throw notFound('SMPP account', request.params.id);
      return toAccountView(account);
    },
  );

  app.patch(
    '/smpp/accounts/:id',
    {
      schema: {
        tags: ['smpp'],
        summary: 'Change an SMPP account',
        description: 'Settings apply to the next bind (Adobe Campaign Classic rebinds its receiver every 10 minutes); disabling closes bound sessions.',
        params: IdParamsSchema,
        body: PatchAccountSchema,
        response: { 200: WithPasswordSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const updated = await updateAccount(db, tenantOf(request), request.params.id, request.body);
      if (!updated) throw notFound('SMPP account', request.params.id);
      if (!updated.account.enabled) onAccountRevoked(updated.account.id);
      return { ...toAccountView(updated.account), ...(updated.password === undefined ? {} : { password: updated.password }) };
    },
  );

  app.delete(
    '/smpp/accounts/:id',
    { schema: { tags: ['smpp'], summary: 'Delete an SMPP account', description: 'Closes its bound sessions and drops its undelivered receipts and MO.', params: IdParamsSchema, response: { 204: z.null(), 404: ProblemSchema } } },
    async (request, reply) => {
      if (!(await deleteAccount(db, tenantOf(request), request.params.id))) throw notFound('SMPP account', request.params.id);
      onAccountRevoked(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
