import nock from 'nock';
import { startTestHub, type TestHub, type TestHubMode } from '../../../test/support/hub.ts';
import type { FakeStore } from './fake-store.ts';

/** The public URL test hubs announce; the fake shop delivers what is registered there to the live hub. */
export const PUBLIC_URL = 'https://hub.example.test';

/** Starts the fake WooCommerce shop (nock; only loopback stays reachable) and a live hub it delivers its webhooks to. */
export async function startShopAndHub(store: FakeStore, mode: TestHubMode, env: Record<string, string> = {}): Promise<TestHub> {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  store.start();
  const hub = await startTestHub(mode, { HUB_PUBLIC_URL: PUBLIC_URL, ...env });
  store.deliverTo = (url) => url.replace(PUBLIC_URL, hub.url);
  return hub;
}

export async function stopShopAndHub(store: FakeStore, hub: TestHub | undefined): Promise<void> {
  await hub?.close();
  store.stop();
  nock.enableNetConnect();
}
