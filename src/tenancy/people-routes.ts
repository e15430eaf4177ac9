import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mayGrant, ROLES, type Role } from '../gateway/access.ts';
import { principalOf, type Principal } from '../gateway/auth.ts';
import { HttpProblem, notFound, ProblemSchema } from '../gateway/problem.ts';
import type { Db } from '../store/db.ts';
import { createInvitation, deleteInvitation, getInvitation, listInvitations, type Invitation } from './invitations.ts';
import { consoleLink } from './one-time-tokens.ts';
import { toUserView, UserSchema } from './session-view.ts';
import { changeUser, getUser, listUsers } from './users.ts';

const IdParams = z.object({ id: z.string().min(1).max(64) });

const InvitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    invitedBy: z.string().nullable().describe('The user or API key that invited.'),
    createdAt: z.string(),
    expiresAt: z.string(),
    expired: z.boolean(),
  })
  .meta({ id: 'Invitation' });

const toInvitationView = (invitation: Invitation): z.infer<typeof InvitationSchema> => ({
  id: invitation.id,
  email: invitation.email,
  role: invitation.role,
  invitedBy: invitation.invitedBy,
  createdAt: invitation.createdAt.toISOString(),
  expiresAt: invitation.expiresAt.toISOString(),
  expired: invitation.expiresAt.getTime() <= Date.now(),
});

const actorId = (principal: Principal): string => (principal.kind === 'session' ? principal.userId : principal.apiKeyId);

function refuseGrant(actor: Role, role: Role, verb: string): void {
  if (!mayGrant(actor, role)) {
    throw new HttpProblem(
      403,
      'forbidden',
      role === 'owner' ? `Only an owner can ${verb} the owner role.` : `A ${actor} cannot ${verb} the ${role} role: at most one's own role.`,
    );
  }
}

/** /v1/users and /v1/invitations: the tenant's people. Who may call them is in src/gateway/access.ts (admin); owner management is checked here. */
export const peopleRoutes: FastifyPluginAsyncZod<{ db: Db; publicUrl: string }> = async (app, { db, publicUrl }) => {
  app.get(
    '/users',
    { schema: { tags: ['people'], summary: "The tenant's user accounts, oldest first", response: { 200: z.object({ items: z.array(UserSchema) }) } } },
    async (request) => ({ items: (await listUsers(db, principalOf(request).tenantId)).map(toUserView) }),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['people'],
        summary: "Change a user's role",
        description: 'Applies to the user\'s next request. Only an owner grants or takes the owner role; the last owner stays owner (409).',
        params: IdParams,
        body: z.object({ role: z.enum(ROLES) }).strict(),
        response: { 200: UserSchema, 400: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request) => {
      const { tenantId, role: actor } = principalOf(request);
      const user = await getUser(db, tenantId, request.params.id);
      if (!user) throw notFound('user', request.params.id);
      refuseGrant(actor, user.role, 'take away');
      refuseGrant(actor, request.body.role, 'grant');
      return toUserView((await changeUser(db, tenantId, user.id, { role: request.body.role }))!);
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags: ['people'],
        summary: 'Remove a user (their sessions end at once)',
        description: 'Only an owner removes an owner; the last owner cannot be removed (409).',
        params: IdParams,
        response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
      },
    },
    async (request, reply) => {
      const { tenantId, role: actor } = principalOf(request);
      const user = await getUser(db, tenantId, request.params.id);
      if (!user) throw notFound('user', request.params.id);
      refuseGrant(actor, user.role, 'take away');
      await changeUser(db, tenantId, user.id, 'delete');
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/invitations',
    {
      schema: {
        tags: ['people'],
        summary: 'Invite someone by link',
        description:
          'Answers the link to give the person (`<public URL>/console/invitation?token=…`): it works once, for 7 days, and is shown only here. ' +
          'Inviting the same email again replaces the previous link. Only an owner invites an owner.',
        body: z.object({ email: z.email().max(254), role: z.enum(ROLES) }).strict(),
        response: {
          201: InvitationSchema.extend({ link: z.string().describe('The invitation link, shown only in this answer.') }),
          400: ProblemSchema,
          403: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      refuseGrant(principal.role, request.body.role, 'grant');
      const { invitation, token } = await createInvitation(db, { tenantId: principal.tenantId, email: request.body.email, role: request.body.role, invitedBy: actorId(principal) });
      return reply.code(201).send({ ...toInvitationView(invitation), link: consoleLink(publicUrl, 'invitation', token) });
    },
  );

  app.get(
    '/invitations',
    {
      schema: { tags: ['people'], summary: 'Pending invitations (expired ones included until deleted), oldest first', response: { 200: z.object({ items: z.array(InvitationSchema) }) } },
    },
    async (request) => ({ items: (await listInvitations(db, principalOf(request).tenantId)).map(toInvitationView) }),
  );

  app.delete(
    '/invitations/:id',
    {
      schema: { tags: ['people'], summary: 'Withdraw an invitation (its link stops working)', params: IdParams, response: { 204: z.null(), 403: ProblemSchema, 404: ProblemSchema } },
    },
    async (request, reply) => {
      const { tenantId, role } = principalOf(request);
      const invitation = await getInvitation(db, tenantId, request.params.id);
      if (!invitation) throw notFound('invitation', request.params.id);
      refuseGrant(role, invitation.role, 'withdraw an invitation for');
      await deleteInvitation(db, tenantId, invitation.id);
      return reply.code(204).send(null);
    },
  );
};
