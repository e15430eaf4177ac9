import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { issueSetupToken } from '../tenancy/setup-links.ts';

/** Reads server-sent events from a streaming response until `count` messages (with data) have come, or the time is up. */
async function readEvents(response: Response, count: number, timeoutMs = 20_000): Promise<{ id: string; data: any }[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const messages: { id: string; data: any }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (messages.length < count && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deadline - Date.now()))]);
      if (chunk === 'timeout' || chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined) messages.push({ id, data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return messages;
}

describe.each(['embedded', 'postgres'] as const)('GET /v1/events/stream (%s)', (mode) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(mode);
  });
  afterAll(async () => t?.close());

  const publish = (type: string, key: string, apiKey?: string) =>
    t.api('/v1/events', { body: { type: `custom.${type}`, source: 'api', dedupeKey: key, data: { key } }, ...(apiKey ? { apiKey } : {}) });
  const stream = (query = '', headers: Record<string, string> = {}) =>
    fetch(`${t.url}/v1/events/stream${query}`, { headers: { authorization: `Bearer ${t.apiKey}`, ...headers } });

  it("streams the tenant's new events as they are stored, filtered by type, never another tenant's", async () => {
    await publish('before', 'before-1'); // stored before the stream opens: not sent
    const other = await t.createTenant('other');
    const response = await stream('?type=custom.wanted,custom.also');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reading = readEvents(response, 3);
    await publish('wanted', 'w-1');
    await publish('unwanted', 'u-1');
    await publish('wanted', 'w-1'); // a duplicate is stored once, streamed once
    await publish('wanted', 'w-other', other.apiKey);
    await publish('also', 'a-1');
    await publish('wanted', 'w-2');
    const messages = await reading;
    expect(messages.map((message) => message.data.dedupeKey)).toEqual(['w-1', 'a-1', 'w-2']);
    expect(messages[0]!.data).toMatchObject({ type: 'custom.wanted', source: 'api', data: { key: 'w-1' }, id: expect.stringMatching(/^evt_/) });
    expect(Number(messages[1]!.id)).toBeGreaterThan(Number(messages[0]!.id));
  });

  it('filters by source, and resumes after Last-Event-ID', async () => {
    const response = await stream('?source=api');
    const reading = readEvents(response, 2);
    await publish('resume', 'r-1');
    await publish('resume', 'r-2');
    const [one, two] = await reading;
    expect([one!.data.dedupeKey, two!.data.dedupeKey]).toEqual(['r-1', 'r-2']);
    await publish('resume', 'r-3');
    const resumed = await readEvents(await stream('?type=custom.resume', { 'last-event-id': one!.id }), 2);
    expect(resumed.map((message) => message.data.dedupeKey)).toEqual(['r-2', 'r-3']);
    const fromShop = stream('?source=woocommerce');
    await publish('resume', 'r-4');
    expect(await readEvents(await fromShop, 1, 2500)).toEqual([]);
  });

  it('works with the console session cookie, and refuses without credentials', async () => {
    expect((await fetch(`${t.url}/v1/events/stream`)).status).toBe(401);
    const setup = await fetch(`${t.url}/v1/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: await issueSetupToken(t.hub.store, t.tenantId), email: 'stream@shop.example', password: 'a long enough password' }),
    });
    const cookie = /^hub_session=[^;]+/.exec(setup.headers.get('set-cookie')!)![0];
    const response = await fetch(`${t.url}/v1/events/stream`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const reading = readEvents(response, 1);
    await publish('cookie', 'c-1');
    expect((await reading)[0]!.data.dedupeKey).toBe('c-1');
  });

  it('is documented', async () => {
    const doc = (await t.api('/docs/json', { apiKey: null })).body;
    expect(doc.paths['/v1/events/stream'].get.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(expect.arrayContaining(['type', 'source', 'last-event-id']));
  });
});
