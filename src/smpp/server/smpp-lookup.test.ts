import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { CommandStatus } from '../../smpp-protocol/index.ts';
import { TestEsme, waitFor } from './test-support.ts';

/**
 * What an ESME's admin (Adobe Campaign) sees of the hub: the id answered to submit_sm finds the hub
 * message over the API, and a destination that can never be valid is refused at submit, read in the
 * account's tenant region. Real TCP sessions on loopback against a whole hub.
 */
describe.each(['embedded', 'postgres'] as const)('SMPP ids and destinations on %s', (mode) => {
  let hub: TestHub;
  let port: number;
  const esmes: TestEsme[] = [];
  const systemId = `look${mode.slice(0, 3)}`;
  const belgianSystemId = `be${mode.slice(0, 3)}`;
  let belgian: { tenantId: string; apiKey: string };

  const esme = async (id = systemId) => {
    const connected = await TestEsme.bound(port, id, 'secret12', 'transceiver');
    esmes.push(connected);
    return connected;
  };
  const forwarded = (partId: string) =>
    waitFor(async () => {
      const [row] = await hub.hub.store.query<{ message_id: string | null; state: string }>('SELECT message_id, state FROM smpp_submits WHERE id = $1', [partId]);
      return row?.message_id ? row : undefined;
    }, `part ${partId} to be handed off`);

  beforeAll(async () => {
    hub = await startTestHub(mode, { HUB_SMPP_PORT: '0' });
    port = hub.hub.smpp.server.port!;
    expect((await hub.api('/v1/smpp/accounts', { body: { systemId, password: 'secret12', throughputPerSecond: null } })).status).toBe(201);
    belgian = await hub.createTenant('belgian shop');
    await hub.hub.store.query(`UPDATE tenants SET settings = '{"phoneRegion": "BE"}'::jsonb WHERE id = $1`, [belgian.tenantId]);
    expect((await hub.api('/v1/smpp/accounts', { apiKey: belgian.apiKey, body: { systemId: belgianSystemId, password: 'secret12', throughputPerSecond: null } })).status).toBe(201);
  });
  afterEach(async () => {
    await Promise.all(esmes.splice(0).map((connected) => connected.close()));
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('finds the hub message by the id each part of a long message was answered with', async () => {
    const trx = await esme();
    const udh = (seq: number) => Buffer.from([5, 0, 3, 0x33, 2, seq]);
    const first = await trx.submit({ esm_class: 0x40, short_message: Buffer.concat([udh(1), Buffer.from('Bonjour, votre commande ', 'latin1')]) });
    const second = await trx.submit({ esm_class: 0x40, registered_delivery: 0, short_message: Buffer.concat([udh(2), Buffer.from('est partie.', 'latin1')]) });
    expect([first.status, second.status]).toEqual([0, 0]);
    const { message_id: messageId } = await forwarded(first.id);
    expect(messageId).not.toBe(first.id);

    for (const partId of [first.id, second.id]) {
      const direct = await hub.api(`/v1/messages/${partId}`);
      expect(direct.status).toBe(200);
      expect(direct.body).toMatchObject({ id: messageId, to: '+33612345678', text: 'Bonjour, votre commande est partie.' });
      expect(direct.body.references).toEqual(expect.arrayContaining([{ system: 'smpp', id: first.id }, { system: 'smpp', id: second.id }]));
      const listed = await hub.api(`/v1/messages?smppMessageId=${partId}`);
      expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([messageId]);
    }
    // The hub's own id still works, and the filter combines with others.
    expect((await hub.api(`/v1/messages/${messageId}`)).body.id).toBe(messageId);
    expect((await hub.api(`/v1/messages?smppMessageId=${first.id}&channel=email`)).body.items).toEqual([]);
    expect((await hub.api('/v1/messages?smppMessageId=NOSUCHID00')).body.items).toEqual([]);
    // Another tenant never finds it.
    expect((await hub.api(`/v1/messages/${first.id}`, { apiKey: belgian.apiKey })).status).toBe(404);
    expect((await hub.api(`/v1/messages?smppMessageId=${first.id}`, { apiKey: belgian.apiKey })).body.items).toEqual([]);
  });

  it('links a part resent after its message left to that message', async () => {
    const trx = await esme();
    const udh = (seq: number) => Buffer.from([5, 0, 3, 0x44, 2, seq]);
    const first = await trx.submit({ esm_class: 0x40, short_message: Buffer.concat([udh(1), Buffer.from('Part one, ', 'latin1')]) });
    await trx.submit({ esm_class: 0x40, registered_delivery: 0, short_message: Buffer.concat([udh(2), Buffer.from('part two.', 'latin1')]) });
    const { message_id: messageId } = await forwarded(first.id);
    // The ESME missed the first submit_sm_resp and sends part 1 again: it gets a new id, and the part is not sent twice.
    const again = await trx.submit({ esm_class: 0x40, short_message: Buffer.concat([udh(1), Buffer.from('Part one, ', 'latin1')]) });
    expect(again.status).toBe(0);
    // Alone in its group, the resent part waits out the assembly timeout (2 min): its arrival is moved back instead.
    await waitFor(async () => (await hub.hub.store.query(`UPDATE smpp_inbox SET received_at = now() - interval '1 hour' WHERE id = $1 RETURNING id`, [again.id])).length > 0, 'the resent part in the inbox');
    await hub.hub.smpp.forwarder.runOnce();
    const found = await waitFor(async () => {
      const answer = await hub.api(`/v1/messages/${again.id}`);
      return answer.status === 200 && answer;
    }, 'the resent part to find its message');
    expect(found.body.id).toBe(messageId);
    expect(found.body.references).toContainEqual({ system: 'smpp', id: again.id });
    expect((await hub.api(`/v1/messages?smppMessageId=${first.id}`)).body.items).toHaveLength(1);
  });

  it('refuses at submit a destination that can never be valid, with ESME_RINVDSTADR, and keeps valid forms', async () => {
    const trx = await esme();
    for (const [destination, ton] of [['123', 0], ['33612', 0], ['33612', 1], ['0612', 2], ['0000000000', 0], ['0612345678', 1]] as const) {
      expect((await trx.submit({ destination_addr: destination, dest_addr_ton: ton, text: 'never sent' })).status, `${destination} TON ${ton}`).toBe(CommandStatus.ESME_RINVDSTADR);
    }
    const accepted: [string, number, string][] = [
      ['33612345678', 1, '+33612345678'],
      ['33612345678', 0, '+33612345678'],
      ['+33612345678', 0, '+33612345678'],
      ['0612345678', 0, '+33612345678'],
      ['612345678', 2, '+33612345678'],
      ['0692123456', 0, '+262692123456'],
    ];
    for (const [destination, ton, e164] of accepted) {
      const { status, id } = await trx.submit({ destination_addr: destination, dest_addr_ton: ton, text: 'valid' });
      expect(status, `${destination} TON ${ton}`).toBe(0);
      const { message_id: messageId } = await forwarded(id);
      expect((await hub.api(`/v1/messages/${messageId}`)).body.to).toBe(e164);
    }
    expect(trx.session.isClosed).toBe(false);
  });

  it('reads national destinations in the account\'s tenant region', async () => {
    const trx = await esme(belgianSystemId);
    const { status, id } = await trx.submit({ destination_addr: '0470123456', dest_addr_ton: 2, text: 'Bonjour Bruxelles' });
    expect(status).toBe(0);
    const { message_id: messageId } = await forwarded(id);
    expect((await hub.api(`/v1/messages/${messageId}`, { apiKey: belgian.apiKey })).body.to).toBe('+32470123456');
    // 06 12 34 56 78 is French, not a Belgian national number.
    expect((await trx.submit({ destination_addr: '0612345678', dest_addr_ton: 2, text: 'x' })).status).toBe(CommandStatus.ESME_RINVDSTADR);
  });
});
