/**
 * The SMS tab in a real browser (Debian's chromium driven by playwright-core, as test/console/console.browser.test.ts
 * does): Salesforce's POST of the signed request, then a rep at a record page's width picks a template, sees the
 * preview, sends, and sees the message delivered with its receipt in the history. axe-core finds no serious or
 * critical violation and the page breaks no rule of its CSP. CONSOLE_SCREENSHOTS=1 also writes the screenshot of
 * docs/connectors/salesforce.md (docs/connectors/images/salesforce-tab*.png).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { id18 } from './ids.ts';
import { canvasRequest, signRequest } from './testing/canvas-request.ts';
import { startTabHub, type TabHub } from './testing/tab-hub.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS ? new URL('../../docs/connectors/images/', import.meta.url).pathname : undefined;
const CONTACT = id18('0035e00000ZkM3h')!;

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(!existsSync(CHROMIUM))('the Salesforce SMS tab in a browser', () => {
  let tab: TabHub;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

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
  }

  /** What Salesforce does when the record page shows the Canvas app: a form POST of signed_request to the Canvas App URL. */
  async function openFromSalesforce(language: string): Promise<void> {
    const signed = signRequest(canvasRequest({ record: { type: 'Contact', id: CONTACT }, language }), tab.server.clientSecret);
    await page.goto('about:blank');
    await Promise.all([
      page.waitForURL(tab.canvasUrl),
      page.evaluate(
        ([url, value]) => {
          const document = (globalThis as any).document;
          const form = document.createElement('form');
          form.method = 'POST';
          form.action = url;
          const field = document.createElement('input');
          field.type = 'hidden';
          field.name = 'signed_request';
          field.value = value;
          form.append(field);
          document.body.append(form);
          form.submit();
        },
        [tab.canvasUrl, signed] as const,
      ),
    ]);
  }

  beforeAll(async () => {
    tab = await startTabHub();
    tab.fake.put('Contact', { Id: CONTACT, Name: 'Camille Martin', FirstName: 'Camille', LastName: 'Martin', MobilePhone: '06 12 34 56 78', Phone: '01 42 68 53 00', Email: 'camille.martin@example.fr' });
    if (SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
      // A Lightning record page's main column.
      viewport: { width: 560, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await tab?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('a rep picks a template, sees the preview, sends, and sees the SMS delivered with its receipt', async () => {
    await openFromSalesforce('fr');
    await page.getByRole('heading', { name: 'SMS · Camille Martin', level: 1 }).waitFor();
    await page.getByText('Aucun SMS avec ce numéro pour l\'instant.').waitFor();
    await accessible('salesforce-tab');
    expect(await page.getByLabel('Numéro', { exact: true }).inputValue()).toBe('+33612345678');

    await page.getByLabel('Modèle').selectOption({ label: 'Rappel de rendez-vous' });
    const preview = page.locator('#preview');
    await preview.getByText('Bonjour Camille, votre rendez-vous est confirmé.', { exact: true }).waitFor();
    expect(await preview.textContent()).toContain('GSM-7');
    expect(await preview.textContent()).toContain('1 SMS');

    // Marketing: the hub's STOP mention appears in the preview; a field of the record is inserted at the cursor.
    await page.getByLabel('Type de message').selectOption('marketing');
    await preview.getByText('La mention STOP est ajoutée à la fin.').waitFor();
    await page.getByLabel('Type de message').selectOption('transactional');
    await page.getByLabel('Champ de la fiche').selectOption('record.LastName');
    await page.getByLabel('Message', { exact: true }).press('End');
    await page.getByRole('button', { name: 'Insérer' }).click();
    await preview.getByText('Bonjour Camille, votre rendez-vous est confirmé.Martin', { exact: true }).waitFor();
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe('Bonjour {{ record.FirstName }}, votre rendez-vous est confirmé.{{ record.LastName }}');
    await page.getByLabel('Message', { exact: true }).fill('Bonjour {{ record.FirstName }}, votre rendez-vous est confirmé.');
    await preview.getByText('Bonjour Camille, votre rendez-vous est confirmé.', { exact: true }).waitFor();

    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'salesforce-tab.png'), fullPage: true });
    await page.getByRole('button', { name: 'Envoyer maintenant' }).click();
    await page.getByRole('status').getByText('Envoyé.').waitFor();
    const sent = page.locator('#history li[data-direction="sent"]').first();
    await sent.locator('[data-status="delivered"]').waitFor({ timeout: 20_000 });
    await sent.getByText(/Accusé de réception · distribué/).waitFor();
    expect(await sent.textContent()).toContain('Bonjour Camille, votre rendez-vous est confirmé.');
    await accessible('salesforce-tab-sent');
    // Usable at the narrow end of a record page: nothing wider than the frame.
    await page.setViewportSize({ width: 400, height: 900 });
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    await page.setViewportSize({ width: 560, height: 900 });
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'salesforce-tab-sent.png'), fullPage: true });
  }, 120_000);

  it('speaks English to an English-speaking rep', async () => {
    await openFromSalesforce('en_US');
    await page.getByRole('button', { name: 'Send now' }).waitFor();
    await page.locator('#history li').first().waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('en');
    await accessible('salesforce-tab-en');
  }, 60_000);
});
