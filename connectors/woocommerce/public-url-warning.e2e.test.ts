/**
 * A newcomer's trial: the hub left at HUB_PUBLIC_URL=http://localhost:… installs a real shop, whose
 * webhooks then point at an address the shop can never reach. The install answers with a warning.
 */
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { FakeStore } from './testing/fake-store.ts';

const LOCAL_URL = 'http://localhost:8080';

describe('installing a connector while HUB_PUBLIC_URL is on localhost', () => {
  let t: TestHub;
  const store = new FakeStore();

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    store.start();
    t = await startTestHub('embedded', { HUB_PUBLIC_URL: LOCAL_URL });
    store.deliverTo = (url) => url.replace(LOCAL_URL, t.url);
  });

  afterAll(async () => {
    await t?.close();
    store.stop();
    nock.enableNetConnect();
  });

  it('installs, and says in warnings that the shop cannot deliver its webhooks there', async () => {
    const body = { storeUrl: 'https://boutique.example.fr/', consumerKey: store.consumerKey, consumerSecret: store.consumerSecret };
    const installed = await t.api('/v1/connectors/woocommerce/installations', { body });
    expect(installed.status).toBe(201);
    expect(installed.body.warnings).toEqual([expect.stringMatching(/^HUB_PUBLIC_URL is http:\/\/localhost:8080, a loopback address: .*Set HUB_PUBLIC_URL to/)]);
    expect([...store.webhooks.values()].every((webhook) => webhook.delivery_url.startsWith(LOCAL_URL))).toBe(true);
    // Installing again (the same account) warns again: the answer is the only place a script sees it.
    const again = await t.api('/v1/connectors/woocommerce/installations', { body });
    expect(again.status).toBe(200);
    expect(again.body.warnings).toHaveLength(1);
  });
});
