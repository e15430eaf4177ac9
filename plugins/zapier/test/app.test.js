'use strict';

/**
 * The Zapier app against a live hub, over real HTTP, without a Zapier account: the root's
 * test/zapier-app.test.ts starts the hub (short retry backoff, sandbox SMS provider) and runs this
 * file with HUB_URL and HUB_API_KEY. Hook deliveries reach a local server standing in for Zapier,
 * and are fed to `perform` as Zapier would (bundle.cleanedRequest).
 */
const assert = require('node:assert/strict');
const { after, before, describe, it } = require('node:test');
const zapier = require('zapier-platform-core');
const App = require('../index');
const { Receiver, eventually } = require('./receiver');

const { HUB_URL, HUB_API_KEY } = process.env;
if (!HUB_URL || !HUB_API_KEY) throw new Error('Run through the root `npx vitest run test/zapier-app.test.ts`: it starts a hub and sets HUB_URL and HUB_API_KEY.');

const appTester = zapier.createAppTester(App);
zapier.tools.env.inject();
const authData = { hub_url: HUB_URL, api_key: HUB_API_KEY };

/** The hub's API directly, for what a Zap does not do (making events happen, checking state). */
async function hub(path, init = {}) {
  const response = await fetch(HUB_URL + path, {
    method: init.method || (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${HUB_API_KEY}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The nested key structure of a value: two payloads of the same shape have the same skeleton. */
const skeleton = (value) =>
  value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, skeleton(value[key])])) : typeof value;

const hookIds = async () => (await hub('/v1/zapier/hooks')).body.map((hook) => hook.id);

/**
 * This run's own values: the suite may run against a hub that has seen other runs (or other data),
 * so what it creates must not meet what is already there.
 */
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
// +33 6 12 …: a range libphonenumber knows is assigned (random 06 numbers may fall in unassigned ones and be refused).
const phone = () => `+33612${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;

describe('the Zapier app against a live hub', () => {
  const receiver = new Receiver();
  /** Every hook this run subscribed: unsubscribed at the end even when a test failed half-way, so none is left pointing at the closed receiver. */
  const subscribed = [];
  const subscribe = async (trigger, targetUrl, inputData) => {
    const subscribeData = await appTester(trigger.operation.performSubscribe, { authData, targetUrl, inputData });
    subscribed.push({ trigger, subscribeData });
    return subscribeData;
  };
  before(() => receiver.start());
  after(async () => {
    for (const { trigger, subscribeData } of subscribed) await appTester(trigger.operation.performUnsubscribe, { authData, subscribeData });
    const left = (await hookIds()).filter((id) => subscribed.some(({ subscribeData }) => subscribeData.id === id));
    await receiver.close();
    assert.deepEqual(left, [], 'every hook of this run is unsubscribed');
  });

  it('passes the platform schema validation (and the validator does reject a broken app)', async () => {
    const handler = zapier.createAppHandler(App);
    const valid = await handler({ command: 'validate' });
    assert.deepEqual(valid.results, []);
    const broken = { ...App, triggers: { ...App.triggers, new_contact: { ...App.triggers.new_contact, noun: undefined } } };
    const invalid = await zapier.createAppHandler(broken)({ command: 'validate' });
    assert.ok(invalid.results.length > 0, 'a trigger without a noun is reported');
  });

  it('tests the connection with GET /v1/me and labels it with the tenant name', async () => {
    const me = await appTester(App.authentication.test, { authData });
    const { tenantName } = (await hub('/v1/me')).body;
    assert.equal(me.tenantName, tenantName);
    assert.equal(App.authentication.connectionLabel({}, { inputData: me }), tenantName);
    await assert.rejects(appTester(App.authentication.test, { authData: { ...authData, api_key: 'hub_wrong' } }), /refused the API key/);
  });

  it('subscribes, receives a delivery, performs it like Zapier, matches the samples, and unsubscribes', async () => {
    const targetUrl = `${receiver.url}/new-contact`;
    const subscribeData = await subscribe(App.triggers.new_contact, targetUrl, {});
    assert.match(subscribeData.id, /^whk_/);
    assert.ok((await hookIds()).includes(subscribeData.id));

    const created = await hub('/v1/contacts', { body: { phone: phone(), firstName: 'Léa' } });
    assert.equal(created.status, 201);
    const [delivery] = await eventually(() => receiver.on('/new-contact').length > 0 && receiver.on('/new-contact'), 'the contact.created delivery');
    assert.equal(delivery.body.type, 'contact.created');
    assert.equal(delivery.body.data.contactId, created.body.contact.id);

    const performed = await appTester(App.triggers.new_contact.operation.perform, { authData, inputData: {}, cleanedRequest: delivery.body });
    assert.deepEqual(performed, [delivery.body]);

    const samples = await appTester(App.triggers.new_contact.operation.performList, { authData, inputData: {} });
    assert.deepEqual(samples[0], delivery.body, 'the newest sample is the delivered event, byte for byte');

    await appTester(App.triggers.new_contact.operation.performUnsubscribe, { authData, subscribeData });
    assert.ok(!(await hookIds()).includes(subscribeData.id));
    // Unsubscribing again (the hub already deleted it) is not an error for Zapier.
    await appTester(App.triggers.new_contact.operation.performUnsubscribe, { authData, subscribeData });
  });

  it('gives the catalog example as a sample before any event, in the delivery shape', async () => {
    const [sample] = await appTester(App.triggers.new_sms_reply.operation.performList, { authData, inputData: {} });
    assert.equal(sample.type, 'sms.received');
    const delivered = receiver.requests[0];
    assert.ok(delivered, 'an earlier test received a delivery');
    assert.deepEqual(skeleton({ ...sample, data: {}, subject: {} }), skeleton({ ...delivered.body, data: {}, subject: {} }));
    assert.deepEqual(skeleton(App.triggers.new_sms_reply.operation.sample), skeleton(sample), 'the static sample has the same shape');
  });

  it('several subscriptions per event type each get the event; a 410 deletes only that subscription', async () => {
    const eventType = `custom.zapier_test.${RUN}`;
    const gone = await subscribe(App.triggers.new_event, `${receiver.url}/gone`, { event_type: eventType });
    const kept = await subscribe(App.triggers.new_event, `${receiver.url}/kept`, { event_type: eventType });
    receiver.scripts.set('/gone', [410]);
    const published = await hub('/v1/events', { body: { source: 'test', type: eventType, data: { n: 1 } } });
    assert.equal(published.status, 201);
    await eventually(async () => !(await hookIds()).includes(gone.id), 'the 410 hook to be deleted');
    assert.ok((await hookIds()).includes(kept.id));
    const [keptDelivery] = await eventually(() => receiver.on('/kept').length > 0 && receiver.on('/kept'), 'the kept delivery');
    assert.equal(keptDelivery.body.id, published.body.id);
    assert.equal(receiver.on('/gone').length, 1, 'a 410 is not retried');

    const samples = await appTester(App.triggers.new_event.operation.performList, { authData, inputData: { event_type: eventType } });
    assert.deepEqual(samples[0], keptDelivery.body);
    await appTester(App.triggers.new_event.operation.performUnsubscribe, { authData, subscribeData: kept });
  });

  it('delivers to a filtered hook only the events of its source', async () => {
    const eventType = `custom.zapier_filter.${RUN}`;
    const filtered = await subscribe(App.triggers.new_event, `${receiver.url}/filtered`, { event_type: eventType, source: 'shop' });
    const all = await subscribe(App.triggers.new_event, `${receiver.url}/all`, { event_type: eventType });
    const other = await hub('/v1/events', { body: { source: 'other', type: eventType, data: { n: 1 } } });
    await eventually(() => receiver.on('/all').some((item) => item.body.id === other.body.id), 'the unfiltered delivery');
    // Dispatch records every target of an event before delivering to any of them.
    const subscribers = (await hub(`/v1/events/${other.body.id}`)).body.deliveries.map((delivery) => delivery.subscriber);
    assert.deepEqual(subscribers, [`zapier:${all.id}`]);
    const shop = await hub('/v1/events', { body: { source: 'shop', type: eventType, data: { n: 2 } } });
    const [delivered] = await eventually(() => receiver.on('/filtered').length > 0 && receiver.on('/filtered'), 'the filtered delivery');
    assert.equal(delivered.body.id, shop.body.id);
    for (const subscribeData of [filtered, all]) await appTester(App.triggers.new_event.operation.performUnsubscribe, { authData, subscribeData });
  });

  it('retries a 5xx with the same event id and waits for Retry-After on a 429', async () => {
    const eventType = `custom.zapier_retry.${RUN}`;
    const flaky = await subscribe(App.triggers.new_event, `${receiver.url}/flaky`, { event_type: eventType });
    const slow = await subscribe(App.triggers.new_event, `${receiver.url}/slow`, { event_type: eventType });
    receiver.scripts.set('/flaky', [503, 200]);
    receiver.scripts.set('/slow', [{ status: 429, headers: { 'retry-after': '2' } }, 200]);
    const published = await hub('/v1/events', { body: { source: 'test', type: eventType, data: { n: 2 } } });
    const flakyTries = await eventually(() => receiver.on('/flaky').length === 2 && receiver.on('/flaky'), 'the retried delivery');
    assert.deepEqual(flakyTries.map((item) => item.body.id), [published.body.id, published.body.id]);
    const slowTries = await eventually(() => receiver.on('/slow').length === 2 && receiver.on('/slow'), 'the delivery after Retry-After');
    // The test hub's backoff is at most 200 ms: only the 2 s Retry-After explains a wait of more than a second.
    assert.ok(slowTries[1].at - slowTries[0].at >= 1500, `waited ${slowTries[1].at - slowTries[0].at} ms`);
    for (const subscribeData of [flaky, slow]) await appTester(App.triggers.new_event.operation.performUnsubscribe, { authData, subscribeData });
  });

  it('sends one SMS however often Zapier replays the step', async () => {
    const to = phone();
    const inputData = { to, text: 'Votre rendez-vous est demain à 10h.', category: 'transactional', zap_step_id: `${RUN}-step-1` };
    const first = await appTester(App.creates.send_sms.operation.perform, { authData, inputData });
    const replay = await appTester(App.creates.send_sms.operation.perform, { authData, inputData: { ...inputData } });
    assert.equal(replay.id, first.id);
    assert.equal(first.replayed, false);
    assert.equal(replay.replayed, true);
    const messages = (await hub('/v1/messages?limit=100')).body.items.filter((message) => message.to === to);
    assert.equal(messages.length, 1);
    // Another step id is another run: it sends.
    const other = await appTester(App.creates.send_sms.operation.perform, { authData, inputData: { ...inputData, zap_step_id: `${RUN}-step-2` } });
    assert.notEqual(other.id, first.id);
    // A key given by the user wins over the derived one.
    const keyed = { ...inputData, idempotency_key: `evt_${RUN}`, zap_step_id: `${RUN}-step-3` };
    const a = await appTester(App.creates.send_sms.operation.perform, { authData, inputData: keyed });
    const b = await appTester(App.creates.send_sms.operation.perform, { authData, inputData: keyed });
    assert.equal(a.id, b.id);
  });

  it('shows the hub\'s problem detail and field errors as the Zapier error', async () => {
    await assert.rejects(
      appTester(App.creates.send_sms.operation.perform, { authData, inputData: { to: '+33622222222', text: '   ', category: 'transactional' } }),
      (error) => {
        assert.match(error.message, /text/);
        return true;
      },
    );
    await assert.rejects(appTester(App.searches.find_contact.operation.perform, { authData, inputData: {} }), /Give a phone or an email/);
  });

  it('upserts, finds, adds to a list and publishes events idempotently', async () => {
    const contactPhone = phone();
    const contactEmail = `nina-${RUN}@example.fr`;
    const upsert = { phone: contactPhone, email: contactEmail, first_name: 'Nina', attributes: { city: 'Lyon' } };
    const first = await appTester(App.creates.create_contact.operation.perform, { authData, inputData: upsert });
    const again = await appTester(App.creates.create_contact.operation.perform, { authData, inputData: upsert });
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.contact.id, first.contact.id);

    const found = await appTester(App.searches.find_contact.operation.perform, { authData, inputData: { email: contactEmail } });
    assert.deepEqual(found.map((contact) => contact.id), [first.contact.id]);
    assert.deepEqual(await appTester(App.searches.find_contact.operation.perform, { authData, inputData: { phone: phone() } }), []);

    const listName = `Zapier leads ${RUN}`;
    const list = await hub('/v1/lists', { body: { name: listName } });
    const lists = await appTester(App.triggers.contact_list_list.operation.perform, { authData, inputData: {} });
    assert.ok(lists.some((item) => item.id === list.body.id && item.name === listName));
    for (let i = 0; i < 2; i += 1) {
      await appTester(App.creates.add_contact_to_list.operation.perform, { authData, inputData: { list_id: list.body.id, phone: contactPhone } });
    }
    const members = await hub(`/v1/contacts?list=${list.body.id}`);
    assert.deepEqual(members.body.items.map((contact) => contact.id), [first.contact.id]);

    const eventInput = { type: 'custom.lead', data: { form: 'landing' }, phone: contactPhone, zap_step_id: `${RUN}-publish` };
    const published = await appTester(App.creates.publish_event.operation.perform, { authData, inputData: eventInput });
    const republished = await appTester(App.creates.publish_event.operation.perform, { authData, inputData: { ...eventInput } });
    assert.equal(published.duplicate, false);
    assert.deepEqual(republished, { id: published.id, duplicate: true });

    const types = await appTester(App.triggers.event_type_list.operation.perform, { authData, inputData: {} });
    assert.ok(types.some((item) => item.id === 'sms.received'));
  });
});
