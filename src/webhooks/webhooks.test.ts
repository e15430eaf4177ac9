import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestHubMode } from '../../test/support/hub.ts';
import { verifySignature } from '../signatures/hub-signature.ts';

/**
 * End to end: a whole hub (store, queue, bus workers, HTTP) delivering to a real HTTP receiver on
 * loopback, which verifies every signature on the raw body as a subscriber would. The receiver is
 * scripted by the event itself: `data.script` lists the answer to each attempt (a status code, or
 * "hang" to never answer), `data.headers` adds response headers.
 */

type Answer = number | 'hang';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; data: { script?: Answer[]; headers?: Record<string, string> } } & Record<string, unknown>;
  attempt: number;
  /** The signature verified against one of the path's secrets. */
  verified: boolean;
  at: number;
}

class Receiver {
  readonly requests: Received[] = [];
  /** Secrets by path; a rotation adds one. */
  readonly secrets = new Map<string, string[]>();
  /** Paths that answer 200 whatever the script (witnesses that an event was dispatched). */
  readonly plain = new Set<string>();
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();
  url = '';

  constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks);
        const path = request.url ?? '/';
        const header = request.headers['hub-signature'] as string | undefined;
        const received: Received = {
          path,
          headers: request.headers,
          body: raw.toString('utf8'),
          event: JSON.parse(raw.toString('utf8')) as Received['event'],
          attempt: Number(request.headers['hub-delivery-attempt']),
          verified: (this.secrets.get(path) ?? []).some((secret) => verifySignature(secret, raw, header).ok),
          at: Date.now(),
        };
        this.requests.push(received);
        const script = this.plain.has(path) ? [200] : (received.event.data.script ?? [200]);
        const answer = script[Math.min(received.attempt, script.length) - 1] ?? 200;
        if (answer === 'hang') {
          this.#hanging.add(response);
          return;
        }
        response.writeHead(answer, { 'content-type': 'text/plain', ...received.event.data.headers });
        response.end(answer >= 400 ? `refused with ${answer}` : 'ok');
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  on(path: string): Received[] {
    return this.requests.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The JSON of the API, as far as the tests read it. */
interface AttemptView {
  attempt: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
}
interface DeliveryView {
  id: string;
  eventId: string;
  status: string;
  attempts: AttemptView[];
}
interface WebhookView {
  id: string;
  enabled: boolean;
  disabledReason: string | null;
}
interface FieldError {
  path: string;
  message: string;
}

const modes: TestHubMode[] = ['embedded', 'postgres', 'postgres+redis'];

describe.each(modes)('outbound webhooks on %s', (mode) => {
  let t: TestHub;
  const receiver = new Receiver();
  let counter = 0;

  beforeAll(async () => {
    await receiver.start();
    t = await startTestHub(mode, { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    // Seconds instead of hours: 3 tries 50–200 ms apart, a 2 s timeout (a loaded machine's local receiver
    // can take more than half a second to answer), disabled after 3 failed deliveries.
    t.hub.webhooks.tune({
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 200 },
      timeoutMs: 2_000,
      refusedAttempts: 2,
      autoDisable: { consecutiveFailures: 3, failingForMs: 3_600_000 },
    });
  });

  afterAll(async () => {
    await t?.close();
    await receiver.close();
  });

  /** A subscription of its own (own path, own custom event type) so tests never see each other's deliveries. */
  async function subscribe(name: string, extra: Record<string, unknown> = {}, options: { witness?: boolean } = {}) {
    const path = `/hooks/${mode}/${name}/${++counter}`;
    if (options.witness) receiver.plain.add(path);
    const type = `custom.${name}`;
    const created = await t.api('/v1/webhooks', { body: { url: receiver.url + path, eventTypes: [type], description: `test ${name}`, ...extra } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    receiver.secrets.set(path, [created.body.secret as string]);
    return { id: created.body.id as string, path, type, secret: created.body.secret as string, body: created.body };
  }

  async function publish(type: string, data: Record<string, unknown> = {}): Promise<string> {
    const published = await t.api('/v1/events', { body: { type, data } });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    return published.body.id as string;
  }

  const deliveriesOf = async (id: string) => (await t.api(`/v1/webhooks/${id}/deliveries`)).body.items as DeliveryView[];
  const ended = (id: string, eventId: string) => async () => {
    const delivery = (await deliveriesOf(id)).find((item) => item.eventId === eventId);
    return delivery && delivery.status !== 'pending' ? delivery : undefined;
  };

  it('delivers a published event as signed public JSON with its headers', async () => {
    const sub = await subscribe('signed');
    expect(sub.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    const eventId = await publish(sub.type, { orderId: 'A-1', total: '12.50 €' });
    const [request] = await eventually(() => receiver.on(sub.path).length === 1 && receiver.on(sub.path), 'the delivery');
    expect(request!.verified).toBe(true);
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'hub-event-id': eventId,
      'hub-event-type': sub.type,
      'hub-delivery-attempt': '1',
    });
    expect(request!.headers['user-agent']).toMatch(/^connector-hub\/\d+\.\d+\.\d+/);
    const { deliveries: _deliveries, ...stored } = (await t.api(`/v1/events/${eventId}`)).body;
    expect(request!.event).toEqual(stored);
    expect(request!.event).toMatchObject({ id: eventId, version: 1, type: sub.type, data: { orderId: 'A-1', total: '12.50 €' } });

    const delivery = await eventually(ended(sub.id, eventId), 'the delivery log');
    expect(delivery).toMatchObject({ eventType: sub.type, status: 'succeeded', attempts: [{ attempt: 1, outcome: 'delivered', statusCode: 200, error: null }] });
    // The secret is shown once.
    const listed = await t.api('/v1/webhooks');
    expect(listed.body.items.find((item: WebhookView) => item.id === sub.id)).toMatchObject({ id: sub.id, enabled: true, eventTypes: [sub.type] });
    expect(JSON.stringify(listed.body)).not.toContain(sub.secret);
    expect(JSON.stringify((await t.api(`/v1/webhooks/${sub.id}`)).body)).not.toContain(sub.secret);
  });

  it('retries 500 answers with backoff; the attempts show in the delivery log and on the event', async () => {
    const sub = await subscribe('flaky');
    const eventId = await publish(sub.type, { script: [500, 500, 200] });
    const delivery = await eventually(ended(sub.id, eventId), 'the delivery to end');
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((attempt: AttemptView) => [attempt.attempt, attempt.outcome, attempt.statusCode])).toEqual([
      [1, 'retry', 500],
      [2, 'retry', 500],
      [3, 'delivered', 200],
    ]);
    expect(delivery.attempts[0]!.error).toBe('HTTP 500: refused with 500');
    expect(receiver.on(sub.path).map((request) => [request.attempt, request.verified])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    const event = (await t.api(`/v1/events/${eventId}`)).body;
    expect(event.deliveries).toEqual([expect.objectContaining({ subscriber: `webhook:${sub.id}`, status: 'succeeded', attempts: expect.any(Array) })]);
    expect(event.deliveries[0].attempts).toHaveLength(3);
  });

  it('disables the subscription on 410 Gone and sends it nothing more', async () => {
    const gone = await subscribe('gone');
    const witness = await subscribe('gone-witness', { eventTypes: ['custom.gone'] }, { witness: true });
    const first = await publish(gone.type, { script: [410] });
    const delivery = await eventually(ended(gone.id, first), 'the 410 delivery');
    expect(delivery).toMatchObject({ status: 'failed', attempts: [{ outcome: 'gave_up', statusCode: 410 }] });
    const subscription = (await t.api(`/v1/webhooks/${gone.id}`)).body;
    expect(subscription).toMatchObject({ enabled: false, disabledReason: 'target answered 410 Gone' });
    expect(Date.parse(subscription.disabledAt)).not.toBeNaN();

    const second = await publish(gone.type, { script: [200] });
    await eventually(() => receiver.on(witness.path).some((request) => request.event.id === second), 'the witness to get the second event');
    expect(receiver.on(gone.path)).toHaveLength(1);
    expect((await deliveriesOf(gone.id)).map((item) => item.eventId)).toEqual([first]);
  });

  it('honours Retry-After on 429', async () => {
    const sub = await subscribe('throttled');
    const eventId = await publish(sub.type, { script: [429, 200], headers: { 'Retry-After': '1' } });
    const delivery = await eventually(ended(sub.id, eventId), 'the throttled delivery');
    expect(delivery.attempts.map((attempt: AttemptView) => [attempt.outcome, attempt.statusCode])).toEqual([
      ['retry', 429],
      ['delivered', 200],
    ]);
    const [first, second] = receiver.on(sub.path);
    // The tuned backoff is at most 200 ms: only Retry-After explains a second or more.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it('retries a target that does not answer within the timeout', async () => {
    const sub = await subscribe('silent');
    const eventId = await publish(sub.type, { script: ['hang', 200] });
    const delivery = await eventually(ended(sub.id, eventId), 'the delivery after a timeout');
    expect(delivery).toMatchObject({
      status: 'succeeded',
      attempts: [
        { attempt: 1, outcome: 'retry', statusCode: null, error: 'no answer within 2000 ms' },
        { attempt: 2, outcome: 'delivered', statusCode: 200 },
      ],
    });
  });

  it('gives up on other 4xx after the refused-answer tries', async () => {
    const sub = await subscribe('refused');
    const eventId = await publish(sub.type, { script: [422] });
    const delivery = await eventually(ended(sub.id, eventId), 'the refused delivery');
    expect(delivery.attempts.map((attempt: AttemptView) => attempt.outcome)).toEqual(['retry', 'gave_up']);
  });

  it('disables a subscription after consecutive failed deliveries; a success resets the streak; PATCH re-enables', async () => {
    const sub = await subscribe('dead');
    const deliver = async (script: Answer[]) => {
      const eventId = await publish(sub.type, { script });
      return eventually(ended(sub.id, eventId), 'a delivery to end');
    };
    await deliver([500]);
    await deliver([500]);
    expect((await t.api(`/v1/webhooks/${sub.id}`)).body).toMatchObject({ enabled: true, failedDeliveriesInARow: 2, failingSince: expect.any(String) });
    await deliver([200]);
    expect((await t.api(`/v1/webhooks/${sub.id}`)).body).toMatchObject({ enabled: true, failedDeliveriesInARow: 0, failingSince: null });
    await deliver([500]);
    await deliver([500]);
    const last = await deliver([503]);
    expect(last.status).toBe('failed');
    const disabled = (await eventually(async () => {
      const body = (await t.api(`/v1/webhooks/${sub.id}`)).body;
      return body.enabled === false && body;
    }, 'the auto-disable')) as WebhookView;
    expect(disabled.disabledReason).toMatch(/^3 deliveries in a row failed; the last: HTTP 503/);

    const enabled = await t.api(`/v1/webhooks/${sub.id}`, { method: 'PATCH', body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failedDeliveriesInARow: 0 });
    expect((await deliver([200])).status).toBe('succeeded');
  });

  it('redelivers a failed delivery as a new attempt of the same delivery', async () => {
    const sub = await subscribe('redeliver');
    const eventId = await publish(sub.type, { script: [500, 500, 500, 200] });
    const failed = await eventually(ended(sub.id, eventId), 'the failed delivery');
    expect(failed.status).toBe('failed');
    const redelivered = await t.api(`/v1/webhooks/${sub.id}/deliveries/${failed.id}/redeliver`, { method: 'POST' });
    expect(redelivered.status, JSON.stringify(redelivered.body)).toBe(202);
    const done = await eventually(async () => {
      const delivery = (await ended(sub.id, eventId)()) as DeliveryView | undefined;
      return delivery?.status === 'succeeded' && delivery;
    }, 'the redelivery');
    expect(done.id).toBe(failed.id);
    expect(done.attempts.map((attempt: AttemptView) => [attempt.attempt, attempt.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    const again = await t.api(`/v1/webhooks/${sub.id}/deliveries/${failed.id}/redeliver`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/Only failed deliveries/);
  });

  it('pages the delivery log with a cursor', async () => {
    const sub = await subscribe('paged');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await publish(sub.type));
    await eventually(async () => (await deliveriesOf(sub.id)).filter((item) => item.status === 'succeeded').length === 3, 'three deliveries');
    const first = await t.api(`/v1/webhooks/${sub.id}/deliveries?limit=2`);
    const second = await t.api(`/v1/webhooks/${sub.id}/deliveries?limit=2&cursor=${first.body.nextCursor}`);
    expect(first.body.items).toHaveLength(2);
    expect(second.body).toMatchObject({ items: [expect.any(Object)], nextCursor: null });
    expect(new Set([...first.body.items, ...second.body.items].map((item: DeliveryView) => item.eventId))).toEqual(new Set(ids));
    const bad = await t.api(`/v1/webhooks/${sub.id}/deliveries?cursor=nonsense`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'querystring.cursor', message: 'invalid cursor' }]);
  });

  it('sends a signed webhook.test ping and reports the answer', async () => {
    const sub = await subscribe('ping');
    const answer = await t.api(`/v1/webhooks/${sub.id}/test`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ delivered: true, statusCode: 200, error: null, durationMs: expect.any(Number) });
    const [ping] = receiver.on(sub.path);
    expect(ping).toMatchObject({ verified: true, event: { type: 'webhook.test', data: { webhookId: sub.id } } });
    expect(await deliveriesOf(sub.id)).toEqual([]);
  });

  it('updates, disables by hand, rotates the secret (both sign for a while) and deletes', async () => {
    const sub = await subscribe('lifecycle');
    const patched = await t.api(`/v1/webhooks/${sub.id}`, { method: 'PATCH', body: { eventTypes: [sub.type, 'order.created', sub.type], description: null, enabled: false } });
    expect(patched.body).toMatchObject({ eventTypes: [sub.type, 'order.created'], description: null, enabled: false, disabledReason: 'disabled through the API' });
    const witness = await subscribe('lifecycle-witness', { eventTypes: [sub.type] }, { witness: true });
    const whileDisabled = await publish(sub.type);
    await eventually(() => receiver.on(witness.path).some((request) => request.event.id === whileDisabled), 'the witness');
    expect(receiver.on(sub.path)).toHaveLength(0);
    expect((await t.api(`/v1/webhooks/${sub.id}`, { method: 'PATCH', body: { enabled: true } })).body.enabled).toBe(true);

    const rotated = await t.api(`/v1/webhooks/${sub.id}/rotate-secret`, { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    await publish(sub.type);
    const [signedTwice] = await eventually(() => receiver.on(sub.path).length === 1 && receiver.on(sub.path), 'the delivery after rotation');
    const header = signedTwice!.headers['hub-signature'] as string;
    expect(verifySignature(sub.secret, signedTwice!.body, header).ok).toBe(true);
    expect(verifySignature(rotated.body.secret, signedTwice!.body, header).ok).toBe(true);

    const cut = await t.api(`/v1/webhooks/${sub.id}/rotate-secret`, { body: { previousSecretValidForSeconds: 0 } });
    expect(cut.body.previousSecretExpiresAt).toBeNull();
    const ping = await t.api(`/v1/webhooks/${sub.id}/test`, { method: 'POST' });
    expect(ping.body.delivered).toBe(true);
    const pinged = receiver.on(sub.path).at(-1)!;
    expect(verifySignature(cut.body.secret, pinged.body, pinged.headers['hub-signature'] as string).ok).toBe(true);
    expect(verifySignature(rotated.body.secret, pinged.body, pinged.headers['hub-signature'] as string).ok).toBe(false);

    expect((await t.api(`/v1/webhooks/${sub.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/v1/webhooks/${sub.id}`)).status).toBe(404);
    expect((await t.api(`/v1/webhooks/${sub.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps subscriptions to their tenant', async () => {
    const sub = await subscribe('private');
    const other = await t.createTenant('other tenant');
    const as = { apiKey: other.apiKey };
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${sub.id}`],
      ['PATCH', `/v1/webhooks/${sub.id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${sub.id}`],
      ['POST', `/v1/webhooks/${sub.id}/test`],
      ['POST', `/v1/webhooks/${sub.id}/rotate-secret`],
      ['GET', `/v1/webhooks/${sub.id}/deliveries`],
      ['POST', `/v1/webhooks/${sub.id}/deliveries/dlv_x/redeliver`],
    ] as const) {
      const answer = await t.api(path, { method, body, ...as });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await t.api('/v1/webhooks', as)).body.items).toEqual([]);
    expect((await t.api(`/v1/webhooks/${sub.id}`)).body.enabled).toBe(true);
    // The other tenant's events do not reach this tenant's subscription.
    const witness = await t.api('/v1/webhooks', { ...as, body: { url: `${receiver.url}/hooks/${mode}/other-tenant`, eventTypes: [sub.type] } });
    expect(witness.status).toBe(201);
    const published = await t.api('/v1/events', { ...as, body: { type: sub.type, data: {} } });
    await eventually(() => receiver.on(`/hooks/${mode}/other-tenant`).some((request) => request.event.id === published.body.id), 'the other tenant’s delivery');
    expect(receiver.on(sub.path)).toHaveLength(0);
  });

  it('refuses bad input with problem+json naming each field', async () => {
    const bad = await t.api('/v1/webhooks', { body: { url: 'not a url', eventTypes: ['order.created', 'order.nope'], extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.body.type).toBe('urn:hub:problem:validation-failed');
    const paths = (bad.body.errors as { path: string; message: string }[]).map((error) => error.path);
    // The gateway writes array indexes as dotted segments.
    expect(paths).toEqual(expect.arrayContaining(['body.url', 'body.eventTypes.1']));
    expect(bad.body.errors.find((error: FieldError) => error.path === 'body.eventTypes.1').message).toMatch(/unknown event type "order\.nope"/);
    const none = await t.api('/v1/webhooks', { body: { url: 'https://example.com/x', eventTypes: [] } });
    expect(none.body.errors.map((error: FieldError) => error.path)).toEqual(['body.eventTypes']);
    const ftp = await t.api('/v1/webhooks', { body: { url: 'ftp://example.com/x', eventTypes: ['*'] } });
    expect(ftp.body.errors).toEqual([{ path: 'body.url', message: expect.stringMatching(/https:\/\/ or http:\/\//) }]);
    const sub = await subscribe('patch-input');
    const empty = await t.api(`/v1/webhooks/${sub.id}`, { method: 'PATCH', body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].message).toMatch(/at least one of/);
  });
});

describe('outbound webhooks without HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub('embedded');
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest', 'https://10.1.2.3/x', 'https://192.168.0.10/x'])(
    'refuses %s',
    async (url) => {
      const answer = await t.api('/v1/webhooks', { body: { url, eventTypes: ['*'] } });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ type: 'urn:hub:problem:validation-failed', errors: [{ path: 'body.url', message: expect.stringMatching(/address; the hub connects only to public addresses/) }] });
    },
  );

  it('accepts a public address', async () => {
    const answer = await t.api('/v1/webhooks', { body: { url: 'https://93.184.216.34/hooks', eventTypes: ['order.created'], enabled: false } });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ enabled: false, disabledReason: 'created disabled' });
  });

  it('re-checks at delivery time: a host that resolves to loopback is refused when connecting', async () => {
    // Subscribed while private targets were allowed (or DNS changed since): the row says localhost.
    const created = await t.api('/v1/webhooks', { body: { url: 'https://93.184.216.34/hooks', eventTypes: ['custom.rebind'] } });
    await t.hub.store.query(`UPDATE webhook_subscriptions SET url = 'http://localhost:9/hook' WHERE id = $1`, [created.body.id]);
    const ping = await t.api(`/v1/webhooks/${created.body.id}/test`, { method: 'POST' });
    expect(ping.body).toMatchObject({ delivered: false, statusCode: null, error: expect.stringMatching(/localhost resolves to .* loopback address/) });
  });
});
