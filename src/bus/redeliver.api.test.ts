import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { waitFor } from '../../test/support/wait.ts';

describe.each(['embedded', 'postgres'] as const)('POST /v1/events/{id}/deliveries/{deliveryId}/redeliver (%s)', (mode) => {
  let t: TestHub;
  let receiver: Server;
  let answer = 400;
  let received = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received += 1;
        response.writeHead(answer).end();
      });
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    t = await startTestHub(mode, { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    // One refused try gives up at once; the subscription is not disabled by it.
    t.hub.webhooks.tune({ refusedAttempts: 1, timeoutMs: 2_000, autoDisable: { consecutiveFailures: 100, failingForMs: 3_600_000 } });
  });
  afterAll(async () => {
    await t?.close();
    receiver?.close();
  });

  it("tries an event's failed delivery again; refuses one that did not fail, and another tenant's", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    expect((await t.api('/v1/webhooks', { body: { url, eventTypes: ['custom.redeliver'] } })).status).toBe(201);
    const published = await t.api('/v1/events', { body: { type: 'custom.redeliver', data: { n: 1 } } });
    const event = () => t.api(`/v1/events/${published.body.id}`);
    const failed = await waitFor(async () => {
      const [delivery] = (await event()).body.deliveries;
      return delivery?.status === 'failed' ? delivery : undefined;
    }, 'the delivery');
    expect(failed.attempts).toHaveLength(1);
    expect(failed.attempts[0]).toMatchObject({ outcome: 'gave_up', statusCode: 400 });

    const other = await t.createTenant('other');
    expect((await t.api(`/v1/events/${published.body.id}/deliveries/${failed.id}/redeliver`, { method: 'POST', apiKey: other.apiKey })).status).toBe(404);

    answer = 204;
    const redelivered = await t.api(`/v1/events/${published.body.id}/deliveries/${failed.id}/redeliver`, { method: 'POST' });
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({ id: failed.id, status: 'pending' });
    const succeeded = await waitFor(async () => {
      const [delivery] = (await event()).body.deliveries;
      return delivery?.status === 'succeeded' ? delivery : undefined;
    }, 'the delivery');
    expect(succeeded.attempts.map((attempt: { outcome: string }) => attempt.outcome)).toEqual(['gave_up', 'delivered']);
    expect(received).toBe(2);

    const again = await t.api(`/v1/events/${published.body.id}/deliveries/${failed.id}/redeliver`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('succeeded');
    expect((await t.api(`/v1/events/${published.body.id}/deliveries/dlv_nope/redeliver`, { method: 'POST' })).status).toBe(404);
  });
});
