/**
 * The console in a real browser (Debian's chromium driven by playwright-core), against a whole hub on
 * its first start: the setup link it logs, an owner, WooCommerce installed from the generated form
 * against the fake shop, a signed order in the live stream, the send box's preview, a scenario from a
 * template simulated and activated, a marketer who is not offered (and is refused) admin actions.
 * Every page is checked with axe-core (no serious or critical violation) and none may break the CSP.
 * CONSOLE_SCREENSHOTS=1 also writes the screenshots of docs/console.md.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
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
        HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID: oauth.clientId,
        HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_SECRET: oauth.clientSecret,
      }),
      { logger: log, oauthEndpoints: { 'google-calendar': { authorizeUrl: `${oauth.url}/authorize`, tokenUrl: `${oauth.url}/token`, revokeUrl: `${oauth.url}/revoke` } } },
    );
    await hub.start();
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
    const answer = await page.evaluate(async (path) => {
      const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const body = { calendarId: 'salon.dupont@example.com', summary: 'Mme Dupont 06 12 34 56 78', start: '2026-12-07T14:30:00+01:00', end: '2026-12-07T15:15:00+01:00' };
      return (await fetch(`/v1${path}/actions/create-appointment`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: JSON.stringify(body) })).status;
    }, installation);
    expect(answer).toBe(422);
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
    await accessible('scenario-new');
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.getByRole('heading', { name: 'Simulation' }).waitFor();
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
    await page.getByLabel('Password').fill(MARKETER.password);
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('marketer');
    expect(await page.getByRole('link', { name: 'People and API keys' }).count()).toBe(0);
    await go(installationPath);
    await page.getByRole('heading', { name: 'At the external system' }).waitFor();
    expect(await page.getByRole('button', { name: 'Uninstall' }).count()).toBe(0);
    const status = await page.evaluate(async (path) => {
      const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      return (await fetch('/v1' + path, { method: 'DELETE', headers: { 'x-csrf-token': session.csrfToken } })).status;
    }, installationPath);
    expect(status).toBe(403);
  }, 120_000);
});
