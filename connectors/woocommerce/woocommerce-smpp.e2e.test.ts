/**
 * The WooCommerce path end to end through a real SMPP session: a signed order webhook reaches the
 * hub, the order-status rule sends the customer's SMS, and it leaves over SMPP to a third-party
 * SMSC (Debian's Net::SMPP acting as the operator), byte for byte as the SMSC received it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGsm7 } from '../../src/sending/encoding/index.ts';
import { type TestHub } from '../../test/support/hub.ts';
import { startNetSmppSmsc, type NetSmppSmsc, type SubmitSmEvent } from '../../test/support/smsc-netsmpp.ts';
import { FakeStore, fixture } from './testing/fake-store.ts';
import { startShopAndHub, stopShopAndHub } from './testing/shop-and-hub.ts';
import { activateShopScenarios } from '../../test/support/shop-scenarios.ts';


describe('WooCommerce order → SMS over a real SMPP session', () => {
  let t: TestHub;
  let smsc: NetSmppSmsc;
  const store = new FakeStore();

  beforeAll(async () => {
    smsc = await startNetSmppSmsc({ receipt_delay_ms: 50 });
    // The SMSC listens on loopback, which only an operator's HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true allows.
    t = await startShopAndHub(store, 'embedded', { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  });

  afterAll(async () => {
    await stopShopAndHub(store, t);
    await smsc?.close();
  });

  it('sends the order status SMS through the SMSC with GSM-7 data_coding and the customer as destination', async () => {
    const provider = await t.api('/v1/sending/providers/sms', {
      method: 'PUT',
      body: { kind: 'smpp', settings: { host: '127.0.0.1', port: smsc.port, systemId: 'hub' }, secrets: { password: 'secret' } },
    });
    expect(provider.status).toBe(200);
    const installed = await t.api('/v1/connectors/woocommerce/installations', {
      body: {
        storeUrl: 'https://boutique.example.fr/',
        consumerKey: store.consumerKey,
        consumerSecret: store.consumerSecret,
        settings: { shopName: 'Bougies & Co' },
      },
    });
    expect(installed.status).toBe(201);
    await activateShopScenarios(t.api, { orderStatusSms: true });

    const answer = await store.deliver('order.created', fixture('order-v3.json'));
    expect(answer.status).toBe(200);

    const submit = (await smsc.waitFor((event) => event.event === 'submit_sm' && event.destination_addr === '33612345678', 'the customer SMS at the SMSC', 30_000)) as SubmitSmEvent;
    expect(submit.data_coding).toBe(0);
    expect(submit.dest_addr_ton).toBe(1);
    expect(submit.esm_class & 0x40).toBe(0);
    const decoded = decodeGsm7(Buffer.from(submit.short_message_hex, 'hex'));
    expect(decoded).toEqual({ ok: true, text: 'Bougies & Co : votre commande 727 est en préparation. Merci !' });

    // The SMSC's receipt comes back over the same session and the message ends delivered.
    const messages = async () => (await t.api('/v1/messages?channel=sms&limit=10')).body.items as { id: string; to: string; status: string }[];
    const deadline = Date.now() + 30_000;
    let status = '';
    while (Date.now() < deadline) {
      status = (await messages()).find((message) => message.to === '+33612345678')?.status ?? '';
      if (status === 'delivered') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('delivered');
  });
});
