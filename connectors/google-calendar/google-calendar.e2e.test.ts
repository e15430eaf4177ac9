/**
 * Google Calendar end to end on a live hub: the OAuth install through the local authorization server, the
 * calendar chosen, its push channel (events.watch), then a receptionist's appointments created, moved and
 * cancelled in the calendar, each announced by a body-less push as Google sends it → the reminder scenario's
 * SMS at the sandbox provider at virtual times (the business clock moved days ahead) → the customers' replies
 * OUI and NON → the PATCH written into the Google event, appointment.confirmed / appointment.declined published,
 * the owner alerted. Then what the push route refuses, and the sync's and channels' failure paths at hub level:
 * a lost push caught by the backstop sync, 410 Gone (a full resync that announces nothing twice), Google's
 * a grant revoked at Google (reauthorize, then a reconnect), 403 rateLimitExceeded backed off, a deleted calendar
 * (404) ending its channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DateTime } from 'luxon';
import { TestBrowser } from '../../test/support/browser.ts';
import { waitFor } from '../../test/support/wait.ts';
import { runScheduleNow } from '../../src/connectors/schedules.ts';
import { ACCOUNT, CONNECTOR, deliveries, installThroughOAuth, published, settled, slot, startCalendarHub, workingDay, ZONE, type CalendarHub } from './testing/calendar-hub.ts';

const OWNER = '+33698765432';
const CLAIRE = '+33612345678';
const MARC = '+33781234567';
const LEA = '+33623456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Message = { to: string; text: string; status: string; submittedAt: string | null; idempotencyKey: string | null; email: { subject: string; attachments: { filename: string; contentType: string; content: string }[] } | null };
type Run = { id: string; status: string; step: string | null; wakeAt: string | null; endReason?: string | null; key: string };

describe('Google Calendar appointment reminders, end to end', () => {
  let t: CalendarHub;
  let installationId = '';
  let scenarioId = '';
  let now = Date.now();
  const clock = () => new Date(now);
  const api = (path: string, init?: Parameters<CalendarHub['hub']['api']>[1]) => t.hub.api(path, init);
  const messages = async (to: string) => ((await api('/v1/messages?limit=200')).body.items as Message[]).filter((message) => message.to === to).reverse();
  const runs = async () => ((await api(`/v1/scenario-runs?scenarioId=${scenarioId}&limit=100`)).body.items as Run[]).reverse();
  const runOf = async (eventId: string, status = 'waiting') => (await runs()).find((run) => run.key === `${ACCOUNT}/${eventId}` && run.status === status);
  /** Moves the business clock (automation and sending) and ends the waits it made due. */
  const advanceTo = async (at: DateTime) => {
    now = at.toMillis();
    await t.hub.hub.automation.engine.wakeDue();
  };
  const push = async () => {
    const statuses = await t.google.deliverPushes();
    expect(statuses.every((status) => status === 200), `push statuses ${statuses.join(',')}`).toBe(true);
    await settled(t.hub, installationId);
    return statuses;
  };

  beforeAll(async () => {
    t = await startCalendarHub('embedded');
    t.hub.hub.automation.engine.useClock(clock);
    t.hub.hub.sending.useClock(clock);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('installs with OAuth (PKCE, the calendar scopes, offline), follows the primary calendar and opens its push channel', async () => {
    installationId = await installThroughOAuth(t.hub);
    const authorize = t.oauth.authorizeRequests.at(-1)!;
    expect(authorize.get('scope')).toBe('https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.readonly');
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('access_type')).toBe('offline');
    expect(authorize.get('prompt')).toBe('consent');
    // The calendar list read with the new grant; "primary" became the account's own calendar.
    expect(t.google.calls.some((call) => call.path === '/calendar/v3/users/me/calendarList')).toBe(true);
    const detail = (await api(`/v1/connectors/${CONNECTOR}/installations/${installationId}`)).body;
    expect(detail.settings).toMatchObject({ account: ACCOUNT, calendars: [{ id: ACCOUNT, name: 'Salon Dupont', timeZone: ZONE }], phoneRegion: 'FR' });
    const [channel] = t.google.liveChannels(ACCOUNT);
    expect(t.google.liveChannels()).toHaveLength(1);
    expect(channel).toMatchObject({ address: `${t.hub.url}/connectors/${CONNECTOR}/${installationId}/push`, token: expect.any(String) });
    expect(channel!.expiration - Date.now()).toBeGreaterThan(6 * 24 * 3_600_000);
    expect(detail.remote).toEqual([expect.objectContaining({ kind: 'push channel', externalId: channel!.id })]);

    // Google's "sync" message opens the channel: acknowledged, and the first (full) read runs.
    expect(await push()).toEqual([200]);
    const [first] = await deliveries(t.hub, installationId);
    expect(first).toMatchObject({ kind: 'push', note: expect.stringContaining('full sync of Salon Dupont: 0 event(s) read') });

    await api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
    await api('/v1/sending/providers/email', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
    const created = await api('/v1/scenario-templates/appointment-reminders/instantiate', { body: { parameters: { ownerPhone: OWNER, ownerEmail: 'accueil@salon-dupont.example', emailReminder: true, emailFrom: 'rdv@salon-dupont.example' } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    scenarioId = created.body.id;
    expect((await api(`/v1/scenarios/${scenarioId}/activate`, { method: 'POST' })).body.status).toBe('active');
  });

  it('a reply with no appointment waiting for it is left to the normal inbound path: OUI changes nothing, STOP still opts out', async () => {
    const STRANGER = '+33611223344';
    const patchesBefore = t.google.calls.filter((call) => call.method === 'PATCH').length;
    const answersBefore = (await published(t.hub, 'appointment.confirmed')).length + (await published(t.hub, 'appointment.declined')).length;
    const oui = await api('/v1/sandbox/inbound-sms', { body: { from: STRANGER, text: 'OUI' } });
    expect(oui.status, JSON.stringify(oui.body)).toBe(200);
    const stop = await api('/v1/sandbox/inbound-sms', { body: { from: STRANGER, text: 'STOP' } });
    expect(stop.status, JSON.stringify(stop.body)).toBe(200);
    await waitFor(async () => JSON.stringify((await api('/v1/opt-outs?channel=sms')).body).includes(STRANGER), 'the STOP to opt the number out');
    // Both replies were received and published like any other; neither reached an appointment.
    const received = await waitFor(async () => {
      const found = (await published(t.hub, 'sms.received')).filter((event) => (event.subject as { phone?: string } | undefined)?.phone === STRANGER);
      return found.length === 2 && found;
    }, 'both replies on the bus');
    expect(received).toHaveLength(2);
    await sleep(500);
    expect(t.google.calls.filter((call) => call.method === 'PATCH')).toHaveLength(patchesBefore);
    expect((await published(t.hub, 'appointment.confirmed')).length + (await published(t.hub, 'appointment.declined')).length).toBe(answersBefore);
    expect(await messages(STRANGER)).toEqual([]);
  });

  it('appointments created, moved and cancelled in the calendar: reminders at the new time only, OUI and NON written back to Google', async () => {
    const day = workingDay(3);
    const next = day.plus({ days: 1 });
    // The receptionist types three appointments; Google pushes "exists" for each change, with no body.
    t.google.putEvent(ACCOUNT, { id: 'rdvclaire1', summary: 'Claire Martin 06 12 34 56 78 — coupe', ...slot(day, '14:30') });
    t.google.putEvent(ACCOUNT, { id: 'rdvmarc1', summary: 'Marc — couleur', description: 'tél. 07 81 23 45 67', attendees: [{ email: 'marc.petit@example.net', displayName: 'Marc Petit' }], ...slot(next, '16:00') });
    t.google.putEvent(ACCOUNT, { id: 'rdvlea1', summary: 'Léa 06 23 45 67 89 — brushing', ...slot(next, '11:30', 30) });
    const bodies = t.google.pushes.map((one) => one.headers);
    expect(bodies.map((headers) => headers['X-Goog-Resource-State'])).toEqual(['exists', 'exists', 'exists']);
    await push();
    const scheduled = await published(t.hub, 'appointment.scheduled');
    expect(scheduled.map((event) => [event.data.eventId, event.data.start.time])).toEqual([
      ['rdvclaire1', '14:30'],
      ['rdvmarc1', '16:00'],
      ['rdvlea1', '11:30'],
    ]);
    const claireRun = await waitFor(() => runOf('rdvclaire1'), 'Claire\'s run to wait for the day before');
    expect(claireRun.wakeAt).toBe(day.minus({ days: 1 }).set({ hour: 18 }).toUTC().toISO());

    // Moved to the next day at 10:00: the run for the old time ends, one for the new time waits.
    t.google.putEvent(ACCOUNT, { id: 'rdvclaire1', ...slot(next, '10:00') });
    await push();
    const [moved] = await published(t.hub, 'appointment.rescheduled');
    expect(moved!.data).toMatchObject({ eventId: 'rdvclaire1', start: { time: '10:00' }, previousStart: { time: '14:30' } });
    const exited = await waitFor(async () => (await runs()).find((run) => run.id === claireRun.id && run.status === 'exited'), 'the old run to end');
    expect(exited.endReason).toBe('exit event appointment.rescheduled');
    const movedRun = await waitFor(() => runOf('rdvclaire1'), 'Claire\'s new run');
    expect(movedRun.wakeAt).toBe(day.set({ hour: 18 }).toUTC().toISO());

    // The old day-before moment comes: nothing is sent for the old time.
    await advanceTo(day.minus({ days: 1 }).set({ hour: 18, minute: 0, second: 30 }));
    await sleep(1_000);
    expect(await messages(CLAIRE)).toEqual([]);

    // The day before the new date, 18:00 in Paris: the three reminders, at that virtual time.
    const reminderAt = day.set({ hour: 18, minute: 0, second: 1 });
    await advanceTo(reminderAt);
    for (const phone of [CLAIRE, MARC, LEA]) await waitFor(async () => (await messages(phone)).length === 1, `the reminder to ${phone}`);
    const [reminder] = await messages(CLAIRE);
    expect(reminder!.submittedAt).toBe(reminderAt.toUTC().toISO());
    // A phone typed in the title gives no name: the text's default greeting.
    expect(reminder!.text).toBe(`Bonjour, rappel de votre rendez-vous ${next.setLocale('fr').toFormat('cccc d LLLL')} à 10:00 (Claire Martin 06 12 34 56 78 — coupe). Répondez OUI pour confirmer, NON pour annuler.`);
    expect((await messages(MARC))[0]!.text).toContain('à 16:00 (Marc — couleur)');
    // Marc was invited by email: the reminder also reaches his mailbox, the appointment attached as an .ics.
    const [email] = await waitFor(async () => {
      const found = await messages('marc.petit@example.net');
      return found.length === 1 && found;
    }, 'Marc\'s reminder email');
    expect(email).toMatchObject({ status: expect.stringMatching(/submitted|delivered/), submittedAt: reminderAt.toUTC().toISO(), email: { subject: `Rappel : votre rendez-vous ${next.setLocale('fr').toFormat('cccc d LLLL')} à 16:00` } });
    const [ics] = email!.email!.attachments;
    expect(ics).toMatchObject({ filename: 'rendez-vous.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH' });
    const unfolded = ics!.content.replace(/\r\n /g, '');
    expect(unfolded).toContain(`\r\nUID:${ACCOUNT}/rdvmarc1\r\n`);
    expect(unfolded).toContain(`\r\nDTSTART:${next.set({ hour: 16 }).toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'")}\r\n`);
    expect(unfolded).toContain(`\r\nDTEND:${next.set({ hour: 16, minute: 45 }).toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'")}\r\n`);
    expect(unfolded).toContain('\r\nSUMMARY:Marc — couleur\r\n');
    // Customers the hub knows only by phone get no email (nothing to send it to).
    expect((await api('/v1/messages?limit=200')).body.items.filter((message: Message) => message.to.includes('@') && message.to !== 'accueil@salon-dupont.example')).toHaveLength(1);

    // Claire answers OUI, Marc NON (five minutes later): each answer is written into the Google event.
    for (const eventId of ['rdvclaire1', 'rdvmarc1']) await waitFor(async () => (await runOf(eventId))?.step === 'attendre-reponse' && true, `${eventId} to await the answer`);
    now += 5 * 60_000;
    expect((await api('/v1/sandbox/inbound-sms', { body: { from: CLAIRE, text: 'OUI' } })).status).toBe(200);
    expect((await api('/v1/sandbox/inbound-sms', { body: { from: MARC, text: 'Non désolé' } })).status).toBe(200);
    const patches = await waitFor(async () => {
      const found = t.google.calls.filter((call) => call.method === 'PATCH');
      return found.length === 2 && found;
    }, 'the two PATCHes to Google');
    const byEvent = Object.fromEntries(patches.map((call) => [call.path.split('/').at(-1), call.body as Record<string, any>]));
    expect(byEvent.rdvclaire1).toMatchObject({
      colorId: '10',
      description: expect.stringMatching(/^✅ Confirmé par SMS le \d\d\/\d\d à \d\d:\d\d \(« OUI »\)$/),
      extendedProperties: { private: { hubAnswer: 'confirmed', hubAnswerText: 'OUI', hubAnswerStart: next.set({ hour: 10 }).toISO() } },
    });
    expect(byEvent.rdvmarc1).toMatchObject({ colorId: '11', description: expect.stringMatching(/^tél\. 07 81 23 45 67\n❌ Annulé par le client par SMS le /), extendedProperties: { private: { hubAnswer: 'declined' } } });
    expect(t.google.event(ACCOUNT, 'rdvclaire1')).toMatchObject({ colorId: '10', extendedProperties: { private: { hubAnswer: 'confirmed' } } });

    // Google pushes the change the hub made; the sync reads the answer back and announces it once.
    await push();
    const [confirmed] = await published(t.hub, 'appointment.confirmed');
    expect(confirmed!.data).toMatchObject({ appointmentId: `${ACCOUNT}/rdvclaire1`, reply: { text: 'OUI' }, start: { time: '10:00' } });
    const [declined] = await published(t.hub, 'appointment.declined');
    expect(declined!.data).toMatchObject({ appointmentId: `${ACCOUNT}/rdvmarc1`, reply: { text: 'NON' } });
    await waitFor(async () => (await messages(CLAIRE)).length === 2 && (await messages(MARC)).length === 2 && (await messages(OWNER)).length === 1, 'the answers and the owner\'s alert');
    expect((await messages(CLAIRE))[1]!.text).toMatch(/^Merci, votre rendez-vous .* est confirmé/);
    expect((await messages(MARC))[1]!.text).toMatch(/^C'est noté, votre rendez-vous .* est annulé/);
    expect((await messages(OWNER))[0]!.text).toBe(`Marc Petit (${MARC}) annule son rendez-vous ${next.setLocale('fr').toFormat('cccc d LLLL')} à 16:00 : Marc — couleur.`);
    // And by email to the salon's address.
    const [ownerEmail] = await waitFor(async () => {
      const found = await messages('accueil@salon-dupont.example');
      return found.length === 1 && found;
    }, 'the owner\'s email alert');
    expect(ownerEmail).toMatchObject({ text: (await messages(OWNER))[0]!.text, email: { subject: `Rendez-vous annulé par SMS : ${next.setLocale('fr').toFormat('cccc d LLLL')} à 16:00` } });

    // Claire's appointment deleted from the calendar: its last reminder is cancelled.
    await waitFor(async () => (await runOf('rdvclaire1'))?.step === 'avant' && true, 'Claire\'s run to wait for the last reminder');
    t.google.deleteEvent(ACCOUNT, 'rdvclaire1');
    await push();
    const [cancelled] = await published(t.hub, 'appointment.cancelled');
    expect(cancelled!.data).toMatchObject({ appointmentId: `${ACCOUNT}/rdvclaire1`, reason: 'deleted' });
    await waitFor(async () => (await runs()).some((run) => run.key === `${ACCOUNT}/rdvclaire1` && run.status === 'exited' && run.endReason === 'exit event appointment.cancelled'), 'Claire\'s run to end');

    // Two hours before 10:00: nothing for Claire. Léa never answered (12 hours awaited): her last reminder at 09:30.
    await advanceTo(next.set({ hour: 8, minute: 0, second: 1 }));
    const leaWaits = await waitFor(async () => (await runOf('rdvlea1'))?.step === 'avant' && runOf('rdvlea1'), 'Léa\'s answer to time out');
    expect(leaWaits!.wakeAt).toBe(next.set({ hour: 9, minute: 30 }).toUTC().toISO());
    const soonAt = next.set({ hour: 9, minute: 30, second: 1 });
    await advanceTo(soonAt);
    await waitFor(async () => (await messages(LEA)).length === 2, 'Léa\'s last reminder');
    expect((await messages(LEA))[1]).toMatchObject({ text: 'Bonjour, à tout à l\'heure : votre rendez-vous est à 11:30.', submittedAt: soonAt.toUTC().toISO() });
    await sleep(500);
    expect((await messages(CLAIRE)).map((message) => message.text.split(',')[0])).toEqual(['Bonjour', 'Merci']);
    expect(await messages(MARC)).toHaveLength(2);
    // Nothing was ever sent for the old time.
    expect((await api('/v1/messages?limit=200')).body.items.filter((message: Message) => message.text.includes('14:30'))).toEqual([]);
  });

  it('the push route: an unknown channel or a wrong token is refused and stores nothing; a repeated message is a duplicate', async () => {
    const [channel] = t.google.liveChannels(ACCOUNT);
    const url = `${t.hub.url}/connectors/${CONNECTOR}/${installationId}/push`;
    const headers = { 'X-Goog-Channel-ID': channel!.id, 'X-Goog-Channel-Token': channel!.token!, 'X-Goog-Resource-ID': channel!.resourceId, 'X-Goog-Resource-State': 'exists', 'X-Goog-Message-Number': '900' };
    const count = async () => Number((await t.hub.hub.store.query<{ n: string }>('SELECT count(*) AS n FROM connector_inbox WHERE installation_id = $1', [installationId]))[0]!.n);
    const before = await count();
    const send = (extra: Record<string, string | undefined>, path = url) =>
      fetch(path, { method: 'POST', headers: Object.fromEntries(Object.entries({ ...headers, ...extra }).filter(([, value]) => value !== undefined)) as Record<string, string> });

    expect((await send({ 'X-Goog-Channel-ID': 'hub-someone-elses-channel' })).status).toBe(404);
    expect((await send({ 'X-Goog-Channel-Token': 'guessed' })).status).toBe(401);
    expect((await send({ 'X-Goog-Channel-Token': undefined })).status).toBe(401);
    expect((await send({ 'X-Goog-Resource-ID': 'another-resource' })).status).toBe(401);
    expect((await send({ 'X-Goog-Resource-State': 'deleted' })).status).toBe(400);
    expect((await send({}, `${t.hub.url}/connectors/${CONNECTOR}/ins_unknown/push`)).status).toBe(404);
    const problem = await send({ 'X-Goog-Channel-Token': 'guessed' });
    expect(problem.headers.get('content-type')).toContain('application/problem+json');
    expect(await count()).toBe(before);

    // A real one is stored once; Google's retry of it (same message number) is a duplicate.
    const first = await send({});
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: true, duplicate: false });
    expect(await (await send({})).json()).toMatchObject({ received: true, duplicate: true });
    expect(await count()).toBe(before + 1);
    // "sync" (a channel's first message) is acknowledged like any other.
    expect((await send({ 'X-Goog-Resource-State': 'sync', 'X-Goog-Message-Number': '1' })).status).toBe(200);
    await settled(t.hub, installationId);
  });

  it('a lost push is caught by the backstop sync; 410 Gone resyncs fully without announcing anything twice', async () => {
    const day = workingDay(4);
    const count = async (type: string) => (await published(t.hub, type)).length;
    const before = { scheduled: await count('appointment.scheduled'), cancelled: await count('appointment.cancelled') };
    t.google.putEvent(ACCOUNT, { id: 'rdvperdu1', summary: 'Paul 06 11 22 33 44 — barbe', ...slot(day, '15:00') });
    t.google.putEvent(ACCOUNT, { id: 'rdvgarde1', summary: 'Jeanne 06 55 44 33 22 — coupe', ...slot(day, '16:00') });
    expect(t.google.dropPushes()).toBe(2);
    const backstop = await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'sync');
    expect(backstop).toMatchObject({ result: { queued: 1 } });
    await settled(t.hub, installationId);
    expect((await published(t.hub, 'appointment.scheduled')).slice(before.scheduled).map((event) => event.data.eventId)).toEqual(['rdvperdu1', 'rdvgarde1']);

    // Google invalidates the sync tokens while an appointment is deleted and its push lost.
    t.google.deleteEvent(ACCOUNT, 'rdvperdu1');
    t.google.dropPushes();
    t.google.invalidateSyncTokens();
    await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'sync');
    await settled(t.hub, installationId);
    const lists = t.google.calls.filter((call) => call.method === 'GET' && call.path.endsWith('/events')).slice(-2);
    expect(lists.map((call) => (call.query.syncToken ? 'incremental' : 'full'))).toEqual(['incremental', 'full']);
    const [latest] = await deliveries(t.hub, installationId);
    expect(latest!.note).toContain(`appt:${ACCOUNT}:rdvperdu1: no longer in the calendar (full sync)`);
    // Every other appointment was read again and announced nothing; the deleted one is cancelled, once.
    expect(await count('appointment.scheduled')).toBe(before.scheduled + 2);
    expect(await count('appointment.rescheduled')).toBe(1);
    expect((await published(t.hub, 'appointment.cancelled')).slice(before.cancelled).map((event) => event.data.eventId)).toEqual(['rdvperdu1']);
    // The new token is stored: the next read is incremental again.
    await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'sync');
    await settled(t.hub, installationId);
    expect(t.google.calls.filter((call) => call.path.endsWith('/events')).at(-1)!.query.syncToken).toBeDefined();
  });

  it('a grant revoked at Google: reauthorize, one event, the pushes kept; reconnecting the same account reads them', async () => {
    // The salon removed the hub's access in its Google account: tokens and the refresh token stop working.
    t.oauth.revokeAccount(ACCOUNT);
    t.oauth.expireAccessTokens(ACCOUNT);
    t.google.putEvent(ACCOUNT, { id: 'rdvrevoque1', summary: 'Hugo 06 44 55 66 77 — coupe', ...slot(workingDay(5), '09:00') });
    const statuses = await t.google.deliverPushes();
    expect(statuses).toEqual([200]);
    await waitFor(async () => (await api(`/v1/connectors/${CONNECTOR}/installations/${installationId}`)).body.status === 'reauthorize' && true, 'the installation to ask for reauthorization');
    const [alert] = await published(t.hub, 'connector.reauthorization_required');
    expect(alert!.data).toMatchObject({ connector: CONNECTOR, installationId, account: ACCOUNT });
    // The push waits in the inbox; nothing calls Google while the grant is gone.
    expect((await deliveries(t.hub, installationId))[0]).toMatchObject({ status: 'pending' });
    const calls = t.google.calls.length;
    await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'sync');
    expect(t.google.calls.length).toBe(calls);

    const again = await api(`/v1/connectors/${CONNECTOR}/installations/${installationId}/reconnect`, { body: {} });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    const page = await new TestBrowser().follow(again.body.authorizationUrl as string);
    expect(page.body).toContain('Google Calendar is reconnected');
    await settled(t.hub, installationId);
    expect((await api(`/v1/connectors/${CONNECTOR}/installations/${installationId}`)).body.status).toBe('active');
    expect((await published(t.hub, 'appointment.scheduled')).at(-1)!.data.eventId).toBe('rdvrevoque1');
    expect(await published(t.hub, 'connector.reauthorization_required')).toHaveLength(1);
    // Google's "sync" message of the channel reconnecting replaced, if any, is acknowledged like the others.
    expect((await t.google.deliverPushes()).every((status) => status === 200)).toBe(true);
    await settled(t.hub, installationId);
  });

  it('403 rateLimitExceeded is backed off and retried; a calendar deleted at Google (404) ends its channel', async () => {
    // A read refused by the rate limit: the inbox entry is tried again after a backoff, then read.
    t.google.putEvent(ACCOUNT, { id: 'rdvquota1', summary: 'Nina 06 98 76 54 32', ...slot(workingDay(5), '10:00') });
    t.google.failNext((call) => call.path.endsWith('/events') && call.method === 'GET', 403, 'rateLimitExceeded');
    const listsBefore = t.google.calls.filter((call) => call.path.endsWith('/events')).length;
    await push();
    const lists = t.google.calls.filter((call) => call.path.endsWith('/events')).slice(listsBefore);
    expect(lists).toHaveLength(2);
    expect((await published(t.hub, 'appointment.scheduled')).at(-1)!.data.eventId).toBe('rdvquota1');

    // A renewal refused by the rate limit fails the pass (said in the schedule's last error) and the next one renews.
    const [live] = t.google.liveChannels(ACCOUNT);
    await t.hub.hub.store.query(`UPDATE connector_installations SET state = jsonb_set(state, '{calendars,${ACCOUNT},channel,expiration}', to_jsonb($2::bigint)) WHERE id = $1`, [installationId, Date.now() + 3_600_000]);
    t.google.failNext((call) => call.path.endsWith('/events/watch'), 403, 'rateLimitExceeded');
    const refused = await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'renew-channels');
    expect(refused!.error).toMatch(/rate limit was reached .* retried later with backoff/);
    expect(t.google.liveChannels(ACCOUNT).map((channel) => channel.id)).toEqual([live!.id]);
    const renewed = await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'renew-channels');
    expect(renewed!.result).toMatchObject({ changes: [expect.stringMatching(/^renewed channel/), `stopped channel ${live!.id}`] });
    const [fresh] = t.google.liveChannels(ACCOUNT);
    expect(t.google.liveChannels()).toHaveLength(1);

    // The calendar is deleted at Google: the next read says 404, the calendar is no longer read, its channel stopped.
    t.google.deleteCalendar(ACCOUNT);
    await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'sync');
    await settled(t.hub, installationId);
    expect((await deliveries(t.hub, installationId))[0]!.note).toContain('calendar gone at Google (404)');
    const ended = await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'renew-channels');
    expect(ended!.result).toEqual({ changes: [`stopped channel ${fresh!.id}`] });
    expect(t.google.liveChannels()).toEqual([]);
    const detail = (await api(`/v1/connectors/${CONNECTOR}/installations/${installationId}`)).body;
    expect(detail.remote).toEqual([expect.objectContaining({ status: expect.stringMatching(/^calendar gone at Google since/) })]);
    // Nothing calls Google for it any more: no read, no watch.
    const calls = t.google.calls.length;
    await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'sync');
    await runScheduleNow(t.hub.hub.connectors.deps, installationId, 'renew-channels');
    expect(t.google.calls.length).toBe(calls);
  });
});
