import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';

describe.each(['embedded', 'postgres'] as const)('/v1/api-keys on a live hub (%s)', (mode) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(mode);
  });
  afterAll(async () => t?.close());

  const create = async (name: string, apiKey?: string) => t.api('/v1/api-keys', { body: { name }, ...(apiKey ? { apiKey } : {}) });

  it('creates a key shown once, which then authenticates as the same tenant', async () => {
    const created = await create('zapier');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^key_/), name: 'zapier', key: expect.stringMatching(/^hub_[0-9A-Za-z]{40}$/), current: false, revokedAt: null, lastUsedAt: null });
    expect(created.body.prefix).toBe(created.body.key.slice(0, 8));

    const me = await t.api('/v1/me', { apiKey: created.body.key });
    expect(me.body).toMatchObject({ tenantId: t.tenantId, apiKeyId: created.body.id });

    const listed = await t.api('/v1/api-keys');
    expect(listed.status).toBe(200);
    const item = listed.body.items.find((key: { id: string }) => key.id === created.body.id);
    expect(item).toMatchObject({ name: 'zapier', prefix: created.body.prefix, current: false });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.items.filter((key: { current: boolean }) => key.current)).toHaveLength(1);
    expect((await t.api(`/v1/api-keys/${created.body.id}`)).body).toEqual(item);
  });

  it('revokes a key: the very next request with it is refused, and it stays listed as revoked', async () => {
    const created = await create('to revoke');
    expect((await t.api('/v1/me', { apiKey: created.body.key })).status).toBe(200); // now in the auth cache
    const revoked = await t.api(`/v1/api-keys/${created.body.id}/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await t.api('/v1/me', { apiKey: created.body.key })).status).toBe(401);
    const again = await t.api(`/v1/api-keys/${created.body.id}/revoke`, { method: 'POST' });
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('refuses to revoke the calling key unless allowSelf=true', async () => {
    const { body: own } = await create('self');
    const refused = await t.api(`/v1/api-keys/${own.id}/revoke`, { method: 'POST', apiKey: own.key });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: 'urn:hub:problem:conflict', detail: expect.stringContaining('allowSelf=true') });
    expect((await t.api('/v1/me', { apiKey: own.key })).status).toBe(200);

    const bad = await t.api(`/v1/api-keys/${own.id}/revoke?allowSelf=yes`, { method: 'POST', apiKey: own.key });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('querystring.allowSelf');

    expect((await t.api(`/v1/api-keys/${own.id}/revoke?allowSelf=true`, { method: 'POST', apiKey: own.key })).status).toBe(200);
    expect((await t.api('/v1/me', { apiKey: own.key })).status).toBe(401);
  });

  it("never shows nor revokes another tenant's keys", async () => {
    const other = await t.createTenant('other shop');
    const { body: theirs } = await create('theirs', other.apiKey);
    expect((await t.api(`/v1/api-keys/${theirs.id}`)).status).toBe(404);
    expect((await t.api(`/v1/api-keys/${theirs.id}/revoke`, { method: 'POST' })).status).toBe(404);
    expect((await t.api('/v1/api-keys')).body.items.map((key: { id: string }) => key.id)).not.toContain(theirs.id);
    expect((await t.api('/v1/me', { apiKey: theirs.key })).status).toBe(200);
  });

  it('refuses a missing or blank name, naming the field', async () => {
    for (const body of [{}, { name: '   ' }, { name: 'x', extra: 1 }]) {
      const refused = await t.api('/v1/api-keys', { body });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].path).toMatch(/^body/);
    }
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.api('/docs/json', { apiKey: null })).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/api-keys', '/v1/api-keys/{id}', '/v1/api-keys/{id}/revoke']));
    expect(doc.paths['/v1/api-keys'].post.responses['201']).toBeDefined();
  });
});
