import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { requiredAccess } from '../gateway/access.ts';
import { announceSetupLink, issueSetupToken } from './setup-links.ts';

/** A browser, as far as the hub can tell: one cookie jar (the session cookie) and the CSRF token it was given. */
class Browser {
  cookie: string | undefined;
  csrfToken: string | undefined;
  lastSetCookie: string | undefined;
  private readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async call(path: string, init: { method?: string; body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookie) headers.cookie = `hub_session=${this.cookie}`;
    const csrf = init.csrf === undefined ? this.csrfToken : init.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(this.base + path, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie?.startsWith('hub_session=')) {
      this.lastSetCookie = setCookie;
      const value = /^hub_session=([^;]*)/.exec(setCookie)![1]!;
      this.cookie = value === '' ? undefined : value;
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as any) : undefined;
    if (parsed?.csrfToken) this.csrfToken = parsed.csrfToken;
    return { status: response.status, headers: response.headers, body: parsed };
  }
}

const PASSWORD = 'correct horse battery';

describe.each(['embedded', 'postgres'] as const)('people and access on a live hub (%s)', (mode) => {
  let t: TestHub;
  let owner: Browser;
  beforeAll(async () => {
    t = await startTestHub(mode, { HUB_RATE_LIMIT_SIGN_IN: '3' });
  });
  afterAll(async () => t?.close());

  const browser = () => new Browser(t.url);

  /** Invites `email` with `role` as the owner and accepts the link in a new browser. */
  async function invited(email: string, role: string): Promise<Browser> {
    const invitation = await owner.call('/v1/invitations', { body: { email, role } });
    expect(invitation.status).toBe(201);
    const token = new URL(invitation.body.link).searchParams.get('token')!;
    const person = browser();
    const accepted = await person.call('/v1/auth/accept-invitation', { body: { token, password: PASSWORD, name: role } });
    expect(accepted.status).toBe(201);
    return person;
  }

  it("setup links create a tenant's first owner, once; the first start's link creates the default tenant", async () => {
    // No user yet: the hub logs a link for its oldest tenant (here the harness's), as at a first start.
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) }));
    const link = await announceSetupLink(t.hub.store, 'http://hub.example', log);
    expect(link).toMatch(/^http:\/\/hub\.example\/console\/setup\?token=[0-9A-Za-z]{43}$/);
    expect(lines.join('')).toContain(`Setup link: ${link}`);

    // A link issued when the hub had no tenant at all creates the "default" tenant with its owner.
    const first = browser();
    const created = await first.call('/v1/auth/setup', { body: { token: await issueSetupToken(t.hub.store, null), email: 'Owner@Example.com', password: PASSWORD, name: 'Anne' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      user: { id: expect.stringMatching(/^usr_/), email: 'owner@example.com', name: 'Anne', role: 'owner', tenantId: expect.stringMatching(/^ten_/), createdAt: expect.any(String) },
      csrfToken: expect.any(String),
    });
    expect(created.body.user.tenantId).not.toBe(t.tenantId);
    const [tenant] = await t.hub.store.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [created.body.user.tenantId]);
    expect(tenant!.name).toBe('default');
    expect(first.lastSetCookie).toMatch(/HttpOnly/);
    expect(first.lastSetCookie).toMatch(/SameSite=Lax/);
    expect(first.lastSetCookie).not.toMatch(/Secure/); // the public URL is http
    expect((await first.call('/v1/session')).body).toEqual(created.body);
    // With a user on the hub, another link of that kind creates nothing, and a start prints none.
    expect((await browser().call('/v1/auth/setup', { body: { token: await issueSetupToken(t.hub.store, null), email: 'late@example.com', password: PASSWORD } })).status).toBe(409);
    expect(await announceSetupLink(t.hub.store, 'http://hub.example', log)).toBeUndefined();

    // The logged link was for the harness's tenant: it gives it its owner, once.
    const token = new URL(link!).searchParams.get('token')!;
    owner = browser();
    const own = await owner.call('/v1/auth/setup', { body: { token, email: 'boss@shop.example', password: PASSWORD } });
    expect(own.status).toBe(201);
    expect(own.body.user).toMatchObject({ tenantId: t.tenantId, role: 'owner', name: null });
    expect((await browser().call('/v1/auth/setup', { body: { token, email: 'other@shop.example', password: PASSWORD } })).status).toBe(404);
  });

  it('refuses a short password and a setup link for a tenant that has an owner', async () => {
    const short = await browser().call('/v1/auth/setup', { body: { token: await issueSetupToken(t.hub.store, t.tenantId), email: 'x@shop.example', password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].path).toBe('body.password');
    const second = await browser().call('/v1/auth/setup', { body: { token: await issueSetupToken(t.hub.store, t.tenantId), email: 'x@shop.example', password: PASSWORD } });
    expect(second.status).toBe(409);
  });

  it('signs in and out; a session cookie from before sign-in is dead after it (no fixation)', async () => {
    const person = browser();
    const signedIn = await person.call('/v1/auth/sign-in', { body: { email: ' BOSS@shop.example', password: PASSWORD } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ email: 'boss@shop.example', role: 'owner', tenantId: t.tenantId });
    const before = person.cookie!;
    expect((await person.call('/v1/auth/sign-in', { body: { email: 'boss@shop.example', password: PASSWORD } })).status).toBe(200);
    expect(person.cookie).not.toBe(before);
    const planted = new Browser(t.url);
    planted.cookie = before;
    expect((await planted.call('/v1/session')).status).toBe(401);

    expect((await person.call('/v1/auth/sign-out', { method: 'POST' })).status).toBe(204);
    expect(person.cookie).toBeUndefined();
    const gone = new Browser(t.url);
    gone.cookie = before;
    expect((await gone.call('/v1/session')).status).toBe(401);
    expect((await browser().call('/v1/session')).status).toBe(401);
  });

  it('limits failed sign-ins per email and address with a clear 429, the right password included', async () => {
    const person = browser();
    await invitedAs(person, 'limited@shop.example');
    for (let i = 0; i < 3; i += 1) {
      const wrong = await person.call('/v1/auth/sign-in', { body: { email: 'limited@shop.example', password: 'wrong password!' } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.detail).toBe('The email or the password is wrong.');
    }
    const limited = await person.call('/v1/auth/sign-in', { body: { email: 'limited@shop.example', password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ type: 'urn:hub:problem:rate-limited', detail: expect.stringMatching(/^Too many failed sign-ins for this email from this address\. Retry in \d+ s\.$/) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another email from the same address is not held back.
    expect((await browser().call('/v1/auth/sign-in', { body: { email: 'boss@shop.example', password: PASSWORD } })).status).toBe(200);
    // An unknown email answers like a wrong password.
    expect((await browser().call('/v1/auth/sign-in', { body: { email: 'nobody@shop.example', password: PASSWORD } })).body.detail).toBe('The email or the password is wrong.');
  });

  async function invitedAs(person: Browser, email: string) {
    const invitation = await owner.call('/v1/invitations', { body: { email, role: 'read-only' } });
    const token = new URL(invitation.body.link).searchParams.get('token')!;
    expect((await person.call('/v1/auth/accept-invitation', { body: { token, password: PASSWORD } })).status).toBe(201);
  }

  it('requires the X-CSRF-Token of the session on every change made with the cookie', async () => {
    const noHeader = await owner.call('/v1/contacts', { body: { phone: '+33612345678' }, csrf: null });
    expect(noHeader.status).toBe(403);
    expect(noHeader.body.detail).toContain('X-CSRF-Token');
    expect((await owner.call('/v1/contacts', { body: { phone: '+33612345678' }, csrf: 'forged' })).status).toBe(403);
    const other = browser();
    await other.call('/v1/auth/sign-in', { body: { email: 'boss@shop.example', password: PASSWORD } });
    expect(other.csrfToken).not.toBe(owner.csrfToken);
    // Another session's token (of the same person) does not do either.
    expect((await owner.call('/v1/contacts', { body: { phone: '+33612345678' }, csrf: other.csrfToken! })).status).toBe(403);
    expect((await owner.call('/v1/auth/sign-out', { method: 'POST', csrf: null })).status).toBe(403);
    expect((await owner.call('/v1/contacts', { body: { phone: '+33612345678' } })).status).toBe(201);
    // Reads need no token.
    expect((await owner.call('/v1/contacts', { csrf: null })).status).toBe(200);
    // An Authorization header wins over the cookie and needs no CSRF token.
    expect((await owner.call('/v1/contacts', { body: { phone: '+33612345679' }, csrf: null, headers: { authorization: `Bearer ${t.apiKey}` } })).status).toBe(201);
  });

  it('enforces each role on every kind of route (users and API keys alike)', async () => {
    const people = {
      owner,
      admin: await invited('admin@shop.example', 'admin'),
      marketer: await invited('marketer@shop.example', 'marketer'),
      'read-only': await invited('reader@shop.example', 'read-only'),
    };
    const allowed = { 'read-only': 0, marketer: 1, admin: 2, owner: 3 } as const;
    const routes: { method: string; path: string; body?: unknown; needs: keyof typeof allowed }[] = [
      { method: 'GET', path: '/v1/contacts', needs: 'read-only' },
      { method: 'GET', path: '/v1/connectors', needs: 'read-only' },
      { method: 'GET', path: '/v1/users', needs: 'read-only' },
      { method: 'GET', path: '/v1/events', needs: 'read-only' },
      { method: 'POST', path: '/v1/contacts', body: { phone: '+33611111111' }, needs: 'marketer' },
      { method: 'POST', path: '/v1/scenarios', body: {}, needs: 'marketer' },
      { method: 'POST', path: '/v1/messages/preview', body: {}, needs: 'marketer' },
      { method: 'POST', path: '/v1/segments', body: {}, needs: 'marketer' },
      { method: 'POST', path: '/v1/events', body: {}, needs: 'admin' },
      { method: 'DELETE', path: '/v1/connectors/woocommerce/installations/ins_missing', needs: 'admin' },
      { method: 'POST', path: '/v1/webhooks', body: {}, needs: 'admin' },
      { method: 'PUT', path: '/v1/sending/settings', body: { nope: 1 }, needs: 'admin' },
      { method: 'POST', path: '/v1/smpp/accounts', body: {}, needs: 'admin' },
      { method: 'POST', path: '/v1/api-keys', body: { name: 'x', role: 'read-only' }, needs: 'admin' },
      { method: 'POST', path: '/v1/invitations', body: { email: 'someone@shop.example', role: 'read-only' }, needs: 'admin' },
      { method: 'POST', path: '/v1/invitations', body: { email: 'co-owner@shop.example', role: 'owner' }, needs: 'owner' },
    ];
    const keys: Record<string, string> = {};
    for (const role of ['admin', 'marketer', 'read-only']) keys[role] = (await owner.call('/v1/api-keys', { body: { name: role, role } })).body.key;

    const table: string[] = [];
    for (const route of routes) {
      for (const [role, person] of Object.entries(people) as [keyof typeof allowed, Browser][]) {
        const expected = allowed[role] >= allowed[route.needs];
        const viaCookie = await person.call(route.path, { method: route.method, body: route.body });
        table.push(`${role} ${route.method} ${route.path} ${JSON.stringify(route.body ?? '')}: ${viaCookie.status === 403 ? 'refused' : 'allowed'}`);
        expect([401, 403].includes(viaCookie.status), `${role} ${route.method} ${route.path} answered ${viaCookie.status}`).toBe(!expected);
        if (role !== 'owner') {
          const viaKey = await t.api(route.path, { method: route.method, ...(route.body === undefined ? {} : { body: route.body }), apiKey: keys[role]! });
          expect(viaKey.status === 403, `${role} key ${route.method} ${route.path} answered ${viaKey.status}`).toBe(!expected);
        }
      }
    }
    const refusal = await people.marketer.call('/v1/connectors/woocommerce/installations/ins_missing', { method: 'DELETE' });
    expect(refusal.body).toMatchObject({ type: 'urn:hub:problem:forbidden', detail: expect.stringContaining('needs the admin role') });
    expect(table).toHaveLength(routes.length * 4);
  });

  it('invitations: listed, withdrawn, single-use; an email has one account', async () => {
    const invitation = await owner.call('/v1/invitations', { body: { email: 'New@Shop.example', role: 'marketer' } });
    expect(invitation.body).toMatchObject({ id: expect.stringMatching(/^inv_/), email: 'new@shop.example', role: 'marketer', expired: false });
    expect(invitation.body.link).toMatch(new RegExp(`^${t.hub.config.publicUrl}/console/invitation\\?token=[0-9A-Za-z]{43}$`));
    const listed = await owner.call('/v1/invitations');
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(invitation.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(new URL(invitation.body.link).searchParams.get('token'));

    expect((await owner.call(`/v1/invitations/${invitation.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const withdrawn = await browser().call('/v1/auth/accept-invitation', { body: { token: new URL(invitation.body.link).searchParams.get('token'), password: PASSWORD } });
    expect(withdrawn.status).toBe(404);

    const renewed = await owner.call('/v1/invitations', { body: { email: 'new@shop.example', role: 'marketer' } });
    const token = new URL(renewed.body.link).searchParams.get('token');
    const person = browser();
    expect((await person.call('/v1/auth/accept-invitation', { body: { token, password: PASSWORD } })).body.user).toMatchObject({ email: 'new@shop.example', role: 'marketer' });
    expect((await browser().call('/v1/auth/accept-invitation', { body: { token, password: PASSWORD } })).status).toBe(404);
    expect((await owner.call('/v1/invitations')).body.items.map((item: { email: string }) => item.email)).not.toContain('new@shop.example');
    expect((await owner.call('/v1/invitations', { body: { email: 'new@shop.example', role: 'marketer' } })).status).toBe(409);
  });

  it('roles change at the next request; only owners manage owners; the last owner stays', async () => {
    const users = (await owner.call('/v1/users')).body.items as { id: string; email: string; role: string }[];
    const byEmail = (email: string) => users.find((user) => user.email === email)!;
    const admin = browser();
    await admin.call('/v1/auth/sign-in', { body: { email: 'admin@shop.example', password: PASSWORD } });
    const boss = byEmail('boss@shop.example');

    expect((await admin.call(`/v1/users/${boss.id}`, { method: 'PATCH', body: { role: 'read-only' } })).status).toBe(403);
    expect((await admin.call(`/v1/users/${boss.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await admin.call(`/v1/users/${byEmail('reader@shop.example').id}`, { method: 'PATCH', body: { role: 'owner' } })).status).toBe(403);
    const lastOwner = await owner.call(`/v1/users/${boss.id}`, { method: 'PATCH', body: { role: 'admin' } });
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body.detail).toContain('last owner');
    expect((await owner.call(`/v1/users/${boss.id}`, { method: 'DELETE' })).status).toBe(409);

    const marketer = browser();
    await marketer.call('/v1/auth/sign-in', { body: { email: 'marketer@shop.example', password: PASSWORD } });
    expect((await marketer.call('/v1/contacts', { body: { phone: '+33622222222' } })).status).toBe(201);
    const demoted = await admin.call(`/v1/users/${byEmail('marketer@shop.example').id}`, { method: 'PATCH', body: { role: 'read-only' } });
    expect(demoted.body).toMatchObject({ role: 'read-only' });
    expect((await marketer.call('/v1/contacts', { body: { phone: '+33633333333' } })).status).toBe(403);
    expect((await marketer.call('/v1/session')).body.user.role).toBe('read-only');

    expect((await admin.call(`/v1/users/${byEmail('marketer@shop.example').id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await marketer.call('/v1/session')).status).toBe(401);
  });

  it('signs out everywhere: every session of the person ends, not the others', async () => {
    const laptop = browser();
    const phone = browser();
    const someoneElse = browser();
    for (const device of [laptop, phone]) await device.call('/v1/auth/sign-in', { body: { email: 'reader@shop.example', password: PASSWORD } });
    await someoneElse.call('/v1/auth/sign-in', { body: { email: 'admin@shop.example', password: PASSWORD } });
    const ended = await phone.call('/v1/auth/sign-out-everywhere', { method: 'POST' });
    expect(ended.status).toBe(200);
    expect(ended.body.endedSessions).toBeGreaterThanOrEqual(2);
    expect((await laptop.call('/v1/session')).status).toBe(401);
    expect((await phone.call('/v1/session')).status).toBe(401);
    expect((await someoneElse.call('/v1/session')).status).toBe(200);
  });

  it("never shows one tenant's people or data to another tenant's user", async () => {
    const other = await t.createTenant('other shop');
    const stranger = browser();
    expect((await stranger.call('/v1/auth/setup', { body: { token: await issueSetupToken(t.hub.store, other.tenantId), email: 'owner@other.example', password: PASSWORD } })).status).toBe(201);
    const theirUsers = (await stranger.call('/v1/users')).body.items as { email: string }[];
    expect(theirUsers.map((user) => user.email)).toEqual(['owner@other.example']);
    expect((await stranger.call('/v1/contacts')).body.items).toEqual([]);
    const ours = (await owner.call('/v1/users')).body.items as { id: string; email: string }[];
    expect(ours.map((user) => user.email)).not.toContain('owner@other.example');
    const target = ours.find((user) => user.email === 'admin@shop.example')!;
    expect((await stranger.call(`/v1/users/${target.id}`, { method: 'PATCH', body: { role: 'read-only' } })).status).toBe(404);
    expect((await stranger.call(`/v1/users/${target.id}`, { method: 'DELETE' })).status).toBe(404);
    const invitation = (await owner.call('/v1/invitations', { body: { email: 'pending@shop.example', role: 'read-only' } })).body;
    expect((await stranger.call(`/v1/invitations/${invitation.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await stranger.call('/v1/invitations')).body.items).toEqual([]);
  });

  it('API keys carry a role: created up to one\'s own, shown once, revoked with DELETE', async () => {
    const created = await owner.call('/v1/api-keys', { body: { name: 'reporting', role: 'read-only' } });
    expect(created.body).toMatchObject({ name: 'reporting', role: 'read-only', key: expect.stringMatching(/^hub_/) });
    expect((await t.api('/v1/me', { apiKey: created.body.key })).body).toMatchObject({ role: 'read-only', apiKeyId: created.body.id, userId: null });
    expect((await t.api('/v1/api-keys', { body: { name: 'too much', role: 'owner' } })).status).toBe(403); // the harness key is admin
    expect((await t.api('/v1/api-keys', { body: { name: 'default' } })).body.role).toBe('admin');
    expect((await owner.call(`/v1/api-keys/${created.body.id}`, { method: 'DELETE' })).body.revokedAt).toEqual(expect.any(String));
    expect((await t.api('/v1/me', { apiKey: created.body.key })).status).toBe(401);
    expect((await owner.call('/v1/me')).body).toMatchObject({ role: 'owner', apiKeyId: null, userId: expect.stringMatching(/^usr_/) });
  });

  it('documents the endpoints, with a relative server URL for "Try it out"', async () => {
    const doc = (await t.api('/docs/json', { apiKey: null })).body;
    expect(doc.servers[0].url).toBe('/');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/auth/setup', '/v1/auth/sign-in', '/v1/auth/sign-out', '/v1/auth/sign-out-everywhere', '/v1/auth/accept-invitation', '/v1/session', '/v1/users/{id}', '/v1/invitations', '/v1/invitations/{id}']),
    );
    expect(doc.paths['/v1/auth/sign-in'].post.security).toEqual([]);
    // Every /v1 operation says the role it needs; only the way-in routes need no credential.
    const anonymous: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[]; 'x-required-role'?: string; description?: string }>>)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const access = requiredAccess(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ':$1'));
        expect(operation['x-required-role'], `${method} ${path}`).toBe(access);
        if (access === 'anonymous') anonymous.push(`${method.toUpperCase()} ${path}`);
        else expect(operation.description, `${method} ${path}`).toContain(`Needs the ${access} role`);
        expect(operation.security?.length === 0, `${method} ${path}`).toBe(access === 'anonymous');
      }
    }
    expect(anonymous.sort()).toEqual(['POST /v1/auth/accept-invitation', 'POST /v1/auth/setup', 'POST /v1/auth/sign-in']);
    expect(doc.paths['/v1/connectors/{connectorId}/installations/{installationId}'].delete['x-required-role']).toBe('admin');
    expect(doc.paths['/v1/scenarios'].post['x-required-role']).toBe('marketer');
  });
});

// Only the cookie's attributes depend on the public URL: one store is enough.
describe('the session cookie behind an https public URL', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub('embedded', { HUB_PUBLIC_URL: 'https://hub.example.com' });
  });
  afterAll(async () => t?.close());

  it('is Secure, and setup links use the public URL', async () => {
    const person = new Browser(t.url);
    const created = await person.call('/v1/auth/setup', { body: { token: await issueSetupToken(t.hub.store, t.tenantId), email: 'secure@shop.example', password: PASSWORD } });
    expect(created.status).toBe(201);
    expect(person.lastSetCookie).toMatch(/; Secure/);
    expect(person.lastSetCookie).toMatch(/; HttpOnly/);
    const invitation = await person.call('/v1/invitations', { body: { email: 'next@shop.example', role: 'marketer' } });
    expect(invitation.body.link).toMatch(/^https:\/\/hub\.example\.com\/console\/invitation\?token=/);
  });
});
