import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KannelEsme } from '../../../test/support/kannel-esme.ts';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { waitFor } from './test-support.ts';

/**
 * A real third-party ESME: Kannel's bearerbox + smsbox bind to the hub's SMPP server, once as a
 * transceiver and once as a transmitter + receiver pair (two accounts, as two Campaign instances would),
 * send through smsbox's sendsms (GSM-7, UCS-2, a long message Kannel splits with UDH), get receipts that
 * Kannel matches to its messages (its dlr-url reports type 1, delivered), and get a STOP reply as MO.
 */
describe('Kannel as ESME against the hub', () => {
  let hub: TestHub;
  let kannel: KannelEsme;

  beforeAll(async () => {
    hub = await startTestHub('embedded', { HUB_SMPP_PORT: '0' });
    await hub.hub.sending.registry.put(hub.tenantId, 'sms', { kind: 'sandbox', settings: { receiptDelayMs: 50 } });
    for (const systemId of ['kannel-trx', 'kannel-txrx']) {
      const created = await hub.api('/v1/smpp/accounts', { body: { systemId, password: 'kannel12', throughputPerSecond: null } });
      expect(created.status).toBe(201);
    }
    kannel = await KannelEsme.start(hub.hub.smpp.server.port!, [
      { id: 'trx', mode: 'transceiver', systemId: 'kannel-trx', password: 'kannel12' },
      { id: 'txrx', mode: 'transmitter+receiver', systemId: 'kannel-txrx', password: 'kannel12' },
    ]);
  });
  afterAll(async () => {
    await kannel?.stop();
    await hub?.close();
  });

  const delivered = (ref: string) => kannel.dlrs.some((dlr) => dlr.ref === ref && dlr.type === 1);
  const messagesTo = async (to: string) =>
    hub.hub.store.query<{ body: string; status: string; encoding: string; segments: number }>(
      `SELECT body, status, encoding, segments FROM messages WHERE tenant_id = $1 AND to_address = $2 ORDER BY seq`,
      [hub.tenantId, to],
    );

  it.each(['trx', 'txrx'])('delivers GSM-7, UCS-2 and a long message sent through %s, and Kannel matches every receipt', async (smsc) => {
    const suffix = smsc === 'trx' ? '11' : '22';
    const cases = [
      { ref: `${smsc}-gsm`, to: `+336120000${suffix}`, text: 'Votre colis arrive demain entre 9h et 12h. Code: 4821', coding: 0 as const },
      { ref: `${smsc}-ucs2`, to: `+336130000${suffix}`, text: 'Été chaud 🌞 : -30 % sur les maillots, ça vous dit ? Réponse « OUI »', coding: 2 as const },
      {
        ref: `${smsc}-long`,
        to: `+336140000${suffix}`,
        text: 'Bonjour Camille, merci pour votre commande numéro 4521 passée hier sur notre boutique en ligne. Elle est préparée et partira demain matin par colissimo. Vous recevrez un SMS avec le lien de suivi dès son départ. Bonne journée !',
        coding: 0 as const,
      },
    ];
    for (const item of cases) await kannel.send({ smsc, from: 'Shop', to: item.to, text: item.text, ref: item.ref, coding: item.coding });
    try {
      await waitFor(async () => cases.every((item) => delivered(item.ref)), 'Kannel to report every message delivered', 30_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nDLRs: ${JSON.stringify(kannel.dlrs)}\n${await kannel.logs()}`, { cause: error });
    }
    for (const item of cases) {
      const [message] = await messagesTo(item.to);
      expect(message).toMatchObject({ body: item.text, status: 'delivered' });
      expect(kannel.dlrs.filter((dlr) => dlr.ref === item.ref && dlr.type !== 1)).toEqual([]);
    }
    expect((await messagesTo(cases[1]!.to))[0]!.encoding).toBe('UCS-2');
    expect((await messagesTo(cases[2]!.to))[0]!.segments).toBeGreaterThan(1);
  });

  it('passes a STOP reply to Kannel as MO, and the hub records the opt-out', async () => {
    await hub.hub.sending.inbound(hub.tenantId, { from: '+33612000011', to: '36173', text: 'STOP', at: new Date(), providerMessageId: 'kannel-mo-1' });
    await waitFor(async () => kannel.mos.length >= 1 && kannel.mos, 'the MO at Kannel', 20_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await kannel.logs()}`, { cause: error });
    });
    expect(kannel.mos[0]).toMatchObject({ text: 'STOP', to: '36173' });
    expect(kannel.mos[0]!.from.replace(/^\+/, '')).toBe('33612000011');
    const optOuts = await hub.api('/v1/opt-outs?channel=sms');
    expect(JSON.stringify(optOuts.body)).toContain('+33612000011');
  });
});
