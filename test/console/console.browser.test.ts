/**
 * The console in a real browser (Debian's chromium driven by playwright-core), against a whole hub on
 * its first start: the setup link it logs, an owner, WooCommerce installed from the generated form
 * against the fake shop, a signed order in the live stream, the send box's preview, a scenario from a
 * template simulated and activated, a marketer who is not offered (and is refused) admin actions.
 * Every page is checked with axe-core (no serious or critical violation) and none may break the CSP.
 * CONSOLE_SCREENSHOTS=1 also writes the screenshots of docs/console.md.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import nock from 'nock';
import pino from 'pino';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, isStale } from '../../console/build.ts';
import { FakeStore, fixture } from '../../connectors/woocommerce/testing/fake-store.ts';
import { loadConfig } from '../../src/config.ts';
import { createHub, type Hub } from '../../src/hub.ts';
import { FakeGoogleCalendar } from '../../connectors/google-calendar/testing/fake-google.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../support/oauth-server.ts';
import { freePort } from '../support/processes.ts';
import { unzip } from '../support/unzip.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The browser reaches the hub by its public name (Chromium maps it to 127.0.0.1), as an admin would:
// links the hub makes (setup, invitations, the OAuth flow's redirects) are followed as they are.
const HOST = 'hub.example.test';
const GOOGLE_ACCOUNT = 'salon.dupont@example.com';
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS ? new URL('../../docs/console/', import.meta.url).pathname : undefined;
const OWNER = { email: 'owner@boutique.example.fr', password: 'correct horse battery' };
const MARKETER = { email: 'marketer@boutique.example.fr', password: 'staple battery horse' };

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// Debian's chromium is installed by .ci/run; a machine without it skips the browser suite.
describe.skipIf(!existsSync(CHROMIUM))('the console in a browser', () => {
  const store = new FakeStore();
  const logLines: string[] = [];
  const cspViolations: string[] = [];
  let hub: Hub;
  let base: string;
  let oauth: OAuthTestServer;
  // Where the webhook and the Zapier hook deliver: answers receiverAnswer, records the paths.
  let receiver: Server;
  let receiverUrl: string;
  let receiverAnswer = 400;
  const received: string[] = [];
  let google: FakeGoogleCalendar;
  let dataDir: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let installationPath: string;

  /** axe-core on the page as it is: no serious or critical violation. */
  async function accessible(name: string): Promise<void> {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const browser = globalThis as any;
      const result = await browser.axe.run(browser.document, { resultTypes: ['violations'] });
      return result.violations
        .filter((violation: any) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation: any) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node: any) => node.target.join(' ')).join(', ')}`);
    });
    expect(violations, `axe on ${name}`).toEqual([]);
    expect(cspViolations, `CSP on ${name}`).toEqual([]);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  const go = (path: string) => page.goto(base + '/console' + path);

  /** Calls the API from the page as the console does: the session cookie and, to change something, its CSRF token. */
  async function callApi(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    return page.evaluate(
      async ([method, path, body]) => {
        const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
        const headers: Record<string, string> = { 'x-csrf-token': session.csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
        const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : null };
      },
      [method, path, body] as const,
    );
  }

  /** Presses Tab until the focused element has this accessible name (text or label): the path is walkable by keyboard. */
  async function tabTo(name: string | RegExp, most = 60): Promise<void> {
    for (let i = 0; i < most; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const element = (globalThis as any).document.activeElement;
        const label = element?.labels?.[0]?.querySelector('span')?.textContent ?? element?.labels?.[0]?.textContent ?? '';
        return `${element?.getAttribute('aria-label') ?? ''}|${label}|${element?.textContent ?? ''}`.trim();
      });
      if (focused.split('|').some((part) => (typeof name === 'string' ? part.trim() === name : name.test(part)))) return;
    }
    throw new Error(`"${String(name)}" not reached with Tab`);
  }

  /** Clicks a download link: the file's name and the zip's entries. */
  async function downloaded(link: Locator): Promise<{ name: string; entries: Map<string, Buffer> }> {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), link.click()]);
    return { name: download.suggestedFilename(), entries: unzip(await readFile((await download.path())!)) };
  }

  beforeAll(async () => {
    if (isStale()) await buildConsole();
    if (SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    store.start();
    dataDir = await mkdtemp(join(tmpdir(), 'hub-console-'));
    // The hub as `npm start` makes it, its log kept: the first start prints the setup link there.
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    const port = await freePort();
    base = `http://${HOST}:${port}`;
    // Google Calendar through the platform's OAuth flow: a local authorization server, and Google's
    // Calendar API (nock) accepting the access tokens it issues.
    oauth = await startOAuthTestServer();
    oauth.consent.account = GOOGLE_ACCOUNT;
    oauth.allowRedirect(`${base}/connectors/google-calendar/oauth/callback`);
    google = new FakeGoogleCalendar();
    google.addCalendar(GOOGLE_ACCOUNT, { summary: 'Salon Dupont' });
    oauth.onAccessToken = (token) => google.accessTokens.add(token);
    hub = await createHub(
      loadConfig({
        PORT: String(port),
        HUB_HOST: '127.0.0.1',
        HUB_DATA_DIR: dataDir,
        HUB_SMPP_PORT: 'off',
        HUB_PUBLIC_URL: base,
        HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID: oauth.clientId,
        HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_SECRET: oauth.clientSecret,
      }),
      { logger: log, oauthEndpoints: { 'google-calendar': { authorizeUrl: `${oauth.url}/authorize`, tokenUrl: `${oauth.url}/token`, revokeUrl: `${oauth.url}/revoke` } } },
    );
    await hub.start();
    // One refused try gives up at once, so a failed delivery shows without waiting for the backoff.
    const giveUpAtOnce = { refusedAttempts: 1, autoDisable: { consecutiveFailures: 100, failingForMs: 3_600_000 } };
    hub.webhooks.tune(giveUpAtOnce);
    hub.zapier.tune(giveUpAtOnce);
    receiver = createServer((request, response) => request.resume().on('end', () => (received.push(request.url ?? ''), response.writeHead(receiverAnswer).end()))).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // The fake shop runs in this process, which does not know the public name.
    store.deliverTo = (url) => url.replace(base, `http://127.0.0.1:${port}`);
    profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // The public name is plain http: treated as secure as localhost is, so the clipboard works there too.
      args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`, `--unsafely-treat-insecure-origin-as-secure=${base}`, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      locale: 'en-GB',
      viewport: { width: 1280, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await hub?.stop();
    await oauth?.close();
    receiver?.close();
    google?.close();
    store.stop();
    nock.enableNetConnect();
    await rm(dataDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  });

  it('first start: the setup link printed in the log creates the owner, who lands on the connectors', async () => {
    const printed = logLines.join('').match(/(http:\/\/[^\s"]+\/console\/setup\?token=[^\s"]+)/)?.[1];
    expect(printed, 'the setup link in the log').toBeTruthy();
    expect(printed!.startsWith(`${base}/console/setup?token=`)).toBe(true);
    await page.goto(printed!);
    await page.getByRole('heading', { name: 'Create the owner account' }).waitFor();
    await accessible('setup');
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Name').fill('Camille Owner');
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain(OWNER.email);
    await accessible('connectors');
  }, 120_000);

  it('speaks French when asked, and keeps the choice', async () => {
    await page.getByTestId('language').selectOption('fr');
    await page.getByRole('heading', { name: 'Connecteurs', level: 1 }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('fr');
    await page.reload();
    await page.getByRole('heading', { name: 'Connecteurs', level: 1 }).waitFor();
    await page.getByTestId('language').selectOption('en');
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
  }, 120_000);

  it('installs WooCommerce from the form generated from its manifest, and shows the plugin secret with the next step', async () => {
    await page.getByRole('link', { name: 'WooCommerce' }).click();
    await page.getByRole('heading', { name: 'Install', exact: true }).waitFor();
    await accessible('connector-woocommerce');
    // The WordPress plugin, zipped as WordPress uploads it, with where to upload it.
    expect(await page.getByTestId('plugin-steps').first().textContent()).toContain('Plugins → Add New Plugin → Upload Plugin, choose connector-hub.zip');
    const plugin = await downloaded(page.getByRole('link', { name: /Download the plugin/ }).first());
    expect(plugin.name).toBe('connector-hub.zip');
    expect([...plugin.entries.keys()]).toContain('connector-hub/connector-hub.php');
    await page.locator('[id$="_storeUrl"]').fill(store.url);
    await page.locator('[id$="_consumerKey"]').fill(store.consumerKey);
    await page.locator('[id$="_consumerSecret"]').fill(store.consumerSecret);
    await page.getByRole('button', { name: 'Install' }).click();
    const result = page.getByTestId('install-result');
    await result.waitFor({ timeout: 20_000 });
    const secret = (await result.getByTestId('secret-value').first().textContent())!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(await page.getByTestId('next-step').textContent()).toContain('WooCommerce → Connector Hub');
    expect(await page.getByTestId('next-step').getByRole('link', { name: /Download the plugin/ }).getAttribute('href')).toBe('/v1/connectors/woocommerce/plugin.zip');
    await result.getByRole('button', { name: 'Copy' }).first().click();
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(secret);
    expect(store.byTopic('order.created')).toHaveLength(1);
    await accessible('install-result');
    await result.getByRole('link', { name: /health/ }).click();
    await page.getByRole('heading', { name: 'At the external system' }).waitFor();
    installationPath = new URL(page.url()).pathname.replace('/console', '');
    expect(await page.getByRole('button', { name: 'Uninstall' }).isVisible()).toBe(true);
    await accessible('installation');
  }, 120_000);

  it('offers the PrestaShop module as a zip, with where to upload it', async () => {
    await go('/connectors/prestashop');
    await page.getByRole('heading', { name: 'Install', exact: true }).waitFor();
    expect(await page.getByTestId('plugin-steps').textContent()).toContain('Modules → Module Manager → Upload a module, drop connectorhub.zip');
    const module = await downloaded(page.getByRole('link', { name: /Download the plugin/ }));
    expect(module.name).toBe('connectorhub.zip');
    expect([...module.entries.keys()].every((name) => name.startsWith('connectorhub/'))).toBe(true);
    await accessible('connector-prestashop');
  }, 120_000);

  it('connects Google Calendar with its "Connect with" button through the OAuth flow; after Google revokes the grant, shows it and reconnects it', async () => {
    await go('/connectors/google-calendar');
    const connect = page.getByRole('button', { name: 'Connect with Google Calendar' });
    await connect.waitFor();
    await accessible('connector-google-calendar');
    await connect.click();
    // The hub's start page → the provider's consent → the hub's callback, which links back to the console.
    await page.getByRole('heading', { name: 'Google Calendar is connected' }).waitFor({ timeout: 30_000 });
    expect(oauth.authorizeRequests.at(-1)!.get('scope')).toContain('https://www.googleapis.com/auth/calendar.events');
    await page.getByRole('link', { name: 'See the installation in the console' }).click();
    await page.getByRole('heading', { name: GOOGLE_ACCOUNT, level: 1 }).waitFor();
    const status = page.locator('.facts .badge');
    expect(await status.textContent()).toBe('active');
    expect(await page.getByRole('cell', { name: 'channel' }).count()).toBe(1);
    expect(google.channels.size).toBe(1);
    const installation = new URL(page.url()).pathname.replace('/console', '');

    // The user removes the hub's access at Google: the next call's refresh answers invalid_grant.
    oauth.revokeAccount(GOOGLE_ACCOUNT);
    google.accessTokens.clear();
    const appointment = { calendarId: GOOGLE_ACCOUNT, summary: 'Mme Dupont 06 12 34 56 78', start: '2026-12-07T14:30:00+01:00', end: '2026-12-07T15:15:00+01:00' };
    expect((await callApi('POST', `/v1${installation}/actions/create-appointment`, appointment)).status).toBe(422);
    await page.reload();
    await page.getByTestId('reauthorize').waitFor();
    expect(await status.textContent()).toBe('reauthorize');
    await accessible('installation-reauthorize');
    await page.getByRole('button', { name: 'Reconnect', exact: true }).click();
    await page.getByRole('button', { name: 'Reconnect with Google Calendar' }).click();
    await page.getByRole('heading', { name: 'Google Calendar is reconnected' }).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'See the installation in the console' }).click();
    await page.getByRole('heading', { name: GOOGLE_ACCOUNT, level: 1 }).waitFor();
    expect(await status.textContent()).toBe('active');
    expect(new URL(page.url()).pathname).toBe(`/console${installation}`);
  }, 120_000);

  it('shows a signed order webhook in the live stream within a second', async () => {
    await page.getByRole('link', { name: 'Events' }).click();
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 15_000 }).toBe('Live');
    const sent = Date.now();
    const delivered = await store.deliver('order.created', fixture('order-v3.json'));
    expect(delivered.status).toBeLessThan(300);
    await page.getByTestId('events').getByRole('link', { name: 'order.created' }).first().waitFor({ timeout: 5_000 });
    expect(Date.now() - sent).toBeLessThan(1_500);
    await accessible('events');
  }, 120_000);

  it('previews an SMS: the UCS-2 characters, the one-click GSM rewrite, the STOP mention; a test SMS becomes delivered', async () => {
    await go('/messages/send');
    await page.getByLabel('Recipient').fill('+33612345678');
    await page.getByTestId('sms-text').fill('Promo “été” : -20 % sur tout !');
    await expect.poll(() => page.getByTestId('encoding').textContent(), { timeout: 15_000 }).toBe('UCS-2');
    expect(await page.getByTestId('ucs2').textContent()).toContain('“');
    expect(await page.getByTestId('preview').textContent()).toContain('STOP mention');
    await accessible('send');
    await page.getByRole('button', { name: /Rewrite in GSM/ }).click();
    await expect.poll(() => page.getByTestId('encoding').textContent(), { timeout: 15_000 }).toBe('GSM-7');
    expect(await page.getByTestId('sms-text').inputValue()).toContain('"été"');
    await page.getByLabel('Category').selectOption('transactional');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByRole('heading', { name: /Message to/ }).waitFor();
    await expect.poll(() => page.getByRole('heading', { name: /Message to/ }).textContent(), { timeout: 15_000 }).toContain('delivered');
    await accessible('message');
  }, 120_000);

  it('creates the abandoned-cart scenario from a template, simulates it, activates it', async () => {
    await go('/scenarios/new');
    await page.getByRole('radio', { name: /Abandoned cart|Panier abandonné/ }).first().check();
    // The template's parameters, a form generated from their schema, filled with their defaults.
    const reminderAfter = page.getByTestId('template-parameters').locator('[id$="_reminderAfter"]');
    expect(await reminderAfter.inputValue()).toBe('24h');
    await reminderAfter.fill('48h');
    await accessible('scenario-new');
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.getByRole('heading', { name: 'Simulation' }).waitFor();
    expect(await page.getByTestId('step-attendre-commande').textContent()).toContain('Wait 48h');
    const firstStep = page.locator('li[data-testid^="step-"]').first();
    await firstStep.waitFor();
    await firstStep.getByRole('button', { name: 'Edit' }).click();
    await firstStep.locator('textarea, input, select').first().waitFor();
    // Opening a step's form changes nothing (no optional part, such as an SMS's survey, added unasked).
    expect(await page.getByText('Unsaved changes.').count()).toBe(0);
    await accessible('scenario');
    // The catalog's example cart has no recovery link; the template's SMS needs one.
    const events = [{ at: '+0s', type: 'cart.abandoned', data: { cartId: 'c-981', total: { amount: 42, currency: 'EUR' }, lines: [], abandonedAfterMinutes: 60, recoveryUrl: 'https://boutique.example.fr/panier?r=c-981' } }];
    await page.getByLabel(/Events the contact produces/).fill(JSON.stringify(events));
    await page.getByRole('button', { name: 'Simulate' }).click();
    const timeline = page.getByTestId('simulation-timeline');
    await timeline.waitFor({ timeout: 15_000 });
    expect(await timeline.textContent()).toContain('sms +33612345678');
    await page.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.locator('.page-head .badge').textContent(), { timeout: 15_000 }).toBe('active');
  }, 120_000);

  it('contacts: a contact\'s consent history, and the opt-out list', async () => {
    const created = await callApi('POST', '/v1/contacts', { phone: '+33698765432', firstName: 'Lou', lastName: 'Martin', consent: { sms: { status: 'granted', source: 'woocommerce-checkout', proof: 'J’accepte de recevoir les offres par SMS' } } });
    expect(created.status).toBeLessThan(300);
    expect((await callApi('POST', '/v1/opt-outs', { channel: 'sms', address: '+33698765432', reason: 'STOP reply' })).status).toBe(201);
    await go('/contacts');
    await page.getByLabel('Search').fill('Martin');
    await page.getByTestId('contacts').getByRole('link', { name: 'Lou Martin' }).click();
    await page.getByRole('heading', { name: 'Lou Martin', level: 1 }).waitFor();
    const history = page.getByTestId('consent');
    await history.waitFor();
    expect(await history.locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('opted-out').textContent()).toBe('sms');
    expect(await history.locator('tbody tr').nth(0).textContent()).toContain('withdrawn');
    expect(await history.locator('tbody tr').nth(1).textContent()).toContain('J’accepte de recevoir les offres par SMS');
    await accessible('contact');
    await page.getByRole('link', { name: '← Contacts' }).click();
    expect(await page.getByTestId('opt-outs').textContent()).toContain('+33698765432');
    await accessible('contacts');
  }, 120_000);

  it('sending settings: a field generated from the API\'s schema is saved; the SMPP password is shown once with the Adobe Campaign settings to copy', async () => {
    await go('/settings');
    const mention = page.locator('[id$="_optOutMention"]');
    await mention.waitFor();
    await mention.fill('STOP au 36180');
    await page.getByRole('button', { name: 'Save', exact: true }).first().click();
    await page.getByText('Saved.').first().waitFor();
    expect((await callApi('GET', '/v1/sending/settings')).body.optOutMention).toBe('STOP au 36180');
    expect(await page.getByRole('link', { name: 'Send a test SMS' }).getAttribute('href')).toBe('/console/messages/send');
    await accessible('settings');

    await go('/smpp');
    const systemId = page.locator('[id$="_systemId"]');
    await systemId.waitFor();
    await systemId.fill('campaign');
    await page.getByRole('button', { name: 'Create the account' }).click();
    const created = page.getByTestId('smpp-created');
    await created.waitFor({ timeout: 15_000 });
    const password = (await created.getByTestId('secret-value').textContent())!;
    expect(password.length).toBeGreaterThanOrEqual(8);
    const block = (await page.getByTestId('campaign-block').textContent())!;
    expect(block).toContain('Account: campaign');
    expect(block).toContain(`Password: ${password}`);
    expect(block).toContain(`Server: ${HOST}`);
    await created.getByRole('button', { name: 'Copy the settings' }).click();
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(block);
    await accessible('smpp');
    // Shown once: the list never shows it again.
    await page.reload();
    await page.getByTestId('smpp-accounts').waitFor();
    expect(await page.getByTestId('smpp-accounts').textContent()).toContain('campaign');
    expect(await page.content()).not.toContain(password);
  }, 120_000);

  it('webhooks and Zapier hooks: the signing secret shown once, each delivery log with its attempts, a failed delivery redelivered', async () => {
    receiverAnswer = 400;
    await go('/webhooks');
    await page.getByLabel('URL').fill(`${receiverUrl}/webhook`);
    await page.getByLabel(/Event types/).fill('custom.console_test');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const secret = page.getByTestId('webhook-secret');
    await secret.waitFor();
    expect(await secret.getByTestId('secret-value').textContent()).toMatch(/^whsec_/);
    expect((await callApi('POST', '/v1/zapier/hooks', { target_url: `${receiverUrl}/zap`, event_types: ['custom.console_test'] })).status).toBe(201);
    expect((await callApi('POST', '/v1/events', { type: 'custom.console_test', data: { order: 'A-1' } })).status).toBe(201);
    await page.reload();
    await page.getByTestId('zapier-hooks').waitFor();
    for (const toggle of [0, 1]) {
      await page.getByRole('button', { name: 'Delivery log' }).nth(toggle).click();
      const log = page.locator('[data-testid^="deliveries-"]');
      await expect.poll(async () => (await log.getByRole('button', { name: 'Refresh' }).click(), await log.locator('tbody').textContent()), { timeout: 20_000, interval: 500 }).toContain('failed');
      expect(await log.locator('tbody').textContent()).toContain('HTTP 400');
      if (toggle === 0) await accessible('webhooks');
      receiverAnswer = 204;
      await log.getByRole('button', { name: 'Redeliver' }).click();
      await expect.poll(async () => (await log.getByRole('button', { name: 'Refresh' }).click(), await log.locator('tbody').textContent()), { timeout: 20_000, interval: 500 }).toContain('succeeded');
      receiverAnswer = 400;
    }
    expect(received.map((path) => path).sort()).toEqual(['/webhook', '/webhook', '/zap', '/zap']);
  }, 120_000);

  it('invites a marketer, who is offered no admin action and is refused one by the API', async () => {
    await go('/people');
    await page.getByRole('heading', { name: 'Invite someone' }).waitFor();
    await page.getByLabel('Email', { exact: true }).last().fill(MARKETER.email);
    await page.getByRole('button', { name: 'Create the invitation link' }).click();
    const link = (await page.getByTestId('invitation-link').getByTestId('secret-value').textContent())!;
    expect(link).toMatch(/\/console\/invitation\?token=/);
    await accessible('people');
    await context.clearCookies();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Join your team' }).waitFor();
    await accessible('invitation');
    await page.getByLabel('Password').fill(MARKETER.password);
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('marketer');
    expect(await page.getByRole('link', { name: 'People and API keys' }).count()).toBe(0);
    await go(installationPath);
    await page.getByRole('heading', { name: 'At the external system' }).waitFor();
    expect(await page.getByRole('button', { name: 'Uninstall' }).count()).toBe(0);
    expect((await callApi('DELETE', `/v1${installationPath}`)).status).toBe(403);
  }, 120_000);

  it('signs in and sends an SMS with the keyboard only', async () => {
    await go('/connectors');
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.textContent)).toBe('Skip to content');
    await tabTo('Sign out');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await accessible('sign-in');
    await tabTo('Email');
    await page.keyboard.type(OWNER.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(OWNER.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
    await tabTo('Messages');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Messages', level: 1 }).waitFor();
    await tabTo('Send an SMS');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Send an SMS', level: 1 }).waitFor();
    await tabTo('Recipient');
    await page.keyboard.type('+33612345679');
    await tabTo('Category');
    await page.keyboard.press('ArrowDown');
    await tabTo('Text');
    await page.keyboard.type('Votre commande vous attend.');
    await expect.poll(() => page.getByTestId('encoding').textContent(), { timeout: 15_000 }).toBe('GSM-7');
    await tabTo('Send');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { name: /Message to \+33612345679/ }).textContent(), { timeout: 15_000 }).toContain('delivered');
  }, 120_000);

  it('is readable on a phone: every main page fits the screen width, the menu folds, and axe passes', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      for (const path of ['/connectors', '/connectors/woocommerce', installationPath, '/events', '/messages', '/messages/send', '/contacts', '/scenarios', '/settings', '/smpp', '/webhooks', '/people']) {
        await go(path);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        const widths = await page.evaluate(() => ({ page: (globalThis as any).document.documentElement.scrollWidth, screen: (globalThis as any).innerWidth }));
        expect(widths.page, `${path} scrolls sideways`).toBeLessThanOrEqual(widths.screen);
        await accessible(`phone${path.replace(/\/(ins|whk)_[^/]+/, '').replaceAll('/', '-')}`);
      }
      expect(await page.getByRole('navigation').isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Events' }).click();
      await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  }, 120_000);
});
