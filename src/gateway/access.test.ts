import { describe, expect, it } from 'vitest';
import { mayGrant, requiredAccess, roleIncludes, ROLES } from './access.ts';

describe('the role table', () => {
  it.each([
    ['GET', '/v1/connectors/:connectorId/installations', 'read-only'],
    ['GET', '/v1/users', 'read-only'],
    ['GET', '/v1/events/stream', 'read-only'],
    ['POST', '/v1/auth/sign-in', 'anonymous'],
    ['POST', '/v1/auth/setup', 'anonymous'],
    ['POST', '/v1/auth/accept-invitation', 'anonymous'],
    ['POST', '/v1/auth/sign-out', 'read-only'],
    ['POST', '/v1/auth/sign-out-everywhere', 'read-only'],
    ['POST', '/v1/scenarios', 'marketer'],
    ['POST', '/v1/scenario-templates/:id/instantiate', 'marketer'],
    ['POST', '/v1/messages/preview', 'marketer'],
    ['PUT', '/v1/contacts/:id/consent/:channel', 'marketer'],
    ['DELETE', '/v1/opt-outs/:channel/:address', 'marketer'],
    ['POST', '/v1/campaigns', 'marketer'],
    ['POST', '/v1/events', 'admin'],
    ['DELETE', '/v1/connectors/:connectorId/installations/:installationId', 'admin'],
    ['PUT', '/v1/sending/settings', 'admin'],
    ['POST', '/v1/smpp/accounts', 'admin'],
    ['POST', '/v1/api-keys', 'admin'],
    ['PATCH', '/v1/users/:id', 'admin'],
    ['POST', '/v1/invitations', 'admin'],
    ['POST', '/v1/zapier/hooks', 'admin'],
    // A part nobody classified yet is closed to all but admins.
    ['POST', '/v1/something-new', 'admin'],
    // Anonymous only for the exact method and route: GET of a sign-in path still needs credentials.
    ['GET', '/v1/auth/sign-in', 'read-only'],
  ])('%s %s needs %s', (method, url, access) => {
    expect(requiredAccess(method, url)).toBe(access);
  });

  it('orders the roles, and lets one grant at most their own (owners only by owners, nothing by marketers)', () => {
    expect(ROLES.filter((role) => roleIncludes(role, 'marketer'))).toEqual(['owner', 'admin', 'marketer']);
    expect(mayGrant('owner', 'owner')).toBe(true);
    expect(mayGrant('admin', 'owner')).toBe(false);
    expect(mayGrant('admin', 'admin')).toBe(true);
    expect(mayGrant('admin', 'read-only')).toBe(true);
    expect(mayGrant('marketer', 'read-only')).toBe(false);
    expect(mayGrant('read-only', 'read-only')).toBe(false);
  });
});
