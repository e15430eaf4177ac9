/**
 * Who may do what: the one table of roles, read by the gateway for every /v1 request (after
 * authentication, before the handler). Route handlers do not check roles, except where the answer
 * depends on the data (owner management: src/tenancy/user-routes.ts asks `mayGrant`).
 *
 * - read-only: every GET (and HEAD), nothing else;
 * - marketer: + writes on what marketing builds and sends (scenarios, campaigns, segments, messages,
 *   contacts, lists, opt-outs, templates); events stay read-only for them (publishing is an integration's job);
 * - admin: + everything else: connectors, webhooks and Zapier hooks, sending settings and providers,
 *   SMPP accounts, API keys, invitations and users, publishing events;
 * - owner: + owner management (granting, changing or removing the owner role).
 *
 * A write route on a resource this table does not name needs admin: a new part is closed until someone
 * decides who may use it.
 */
import { HttpProblem } from './problem.ts';

export const ROLES = ['owner', 'admin', 'marketer', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

/** Higher includes lower. */
const RANK: Record<Role, number> = { 'read-only': 0, marketer: 1, admin: 2, owner: 3 };

export const roleIncludes = (held: Role, needed: Role): boolean => RANK[held] >= RANK[needed];

/** Resources (the first path segment after /v1) a marketer may change; every other one needs admin. */
const MARKETER_WRITES = new Set(['scenarios', 'scenario-runs', 'scenario-templates', 'campaigns', 'segments', 'messages', 'contacts', 'lists', 'opt-outs', 'templates', 'sandbox']);

/** Routes that are the way in: no credential yet. */
const ANONYMOUS = new Set(['POST /v1/auth/setup', 'POST /v1/auth/sign-in', 'POST /v1/auth/accept-invitation']);

/** Any signed-in person, whatever the role, may end their own sessions. */
const ANY_ROLE_WRITES = new Set(['POST /v1/auth/sign-out', 'POST /v1/auth/sign-out-everywhere']);

export type Access = 'anonymous' | Role;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isSafeMethod = (method: string): boolean => SAFE_METHODS.has(method);

/** The least a request needs: `url` is the route's pattern as registered (`/v1/connectors/:connectorId/installations`). */
export function requiredAccess(method: string, url: string): Access {
  const route = `${method} ${url}`;
  if (ANONYMOUS.has(route)) return 'anonymous';
  if (isSafeMethod(method) || ANY_ROLE_WRITES.has(route)) return 'read-only';
  const resource = url.split('/')[2] ?? '';
  return MARKETER_WRITES.has(resource) ? 'marketer' : 'admin';
}

/** 403 naming the role needed, so the console and integrators know whom to ask. */
export function requireRole(held: Role, needed: Role, what: string): void {
  if (!roleIncludes(held, needed)) {
    throw new HttpProblem(403, 'forbidden', `${what} needs the ${needed} role (or higher); this ${held === 'read-only' ? 'read-only' : held} access cannot do it.`);
  }
}

/**
 * Whether someone holding `actor` may give (or take away) `role`: up to their own level, and the owner
 * role only by an owner.
 */
export const mayGrant = (actor: Role, role: Role): boolean => roleIncludes(actor, 'admin') && roleIncludes(actor, role);
