/**
 * The SMS tab inside Salesforce (a Canvas app served by the hub):
 *
 *   POST /connectors/salesforce/<installation id>/canvas      Salesforce, form field signed_request → the tab's page
 *   GET  /connectors/salesforce/canvas/assets/…               SLDS (from @salesforce-ux/design-system), the script, its CSS
 *   GET  /connectors/salesforce/canvas/api/history            ┐ the page's calls, with the tab credential
 *   POST /connectors/salesforce/canvas/api/preview            │ (Authorization: Bearer …), never an API key
 *   POST /connectors/salesforce/canvas/api/send               ┘
 *
 * The signed request is verified (canvas.ts) against the consumer secret of the OAuth client the installation's
 * tenant uses (its own, sealed, or the hub's HUB_OAUTH_SALESFORCE_CLIENT_SECRET: the Canvas app is that same
 * External Client App) and the installation's org; a refused one gets a page saying so and nothing is stored. A
 * verified one gets the page and a credential signed by the hub (src/signatures/signed-token.ts), bound to the
 * tenant, installation, Salesforce user and record, expiring after TAB_CREDENTIAL_TTL_MS: everything the page does
 * goes through it, and it only ever reaches that record's numbers.
 *
 * Salesforce is read with the installation's own access (canvas-record.ts). The preview is the sending core's
 * (encoding, segments, STOP mention, compliance); sends are the sending core's too, with the record as the message's
 * event (`event.data.record`, what `{{ record.… }}` reads) and the origin `salesforce-canvas:<installation id>`.
 */
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RouteModule } from '../../src/gateway/app.ts';
import { HttpProblem } from '../../src/gateway/problem.ts';
import type { ConnectorsModule } from '../../src/connectors/connectors-module.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { getInstallationById, type StoredInstallation } from '../../src/connectors/installation-store.ts';
import { contextFor } from '../../src/connectors/lifecycle.ts';
import { resolveClient } from '../../src/connectors/oauth/clients.ts';
import { ReauthorizationRequiredError } from '../../src/connectors/oauth/errors.ts';
import { SendInputError } from '../../src/sending/requests.ts';
import type { SendingModule } from '../../src/sending/sending-module.ts';
import { createSignedTokens, type SignedTokens } from '../../src/signatures/signed-token.ts';
import { salesforceApi } from './client.ts';
import { verifySignedRequest, type CanvasRequest } from './canvas.ts';
import { CANVAS_ASSETS, CANVAS_PATH, canvasCsp, frameAncestors, renderTabNotice, renderTabPage } from './canvas-page.ts';
import { fromHubWording, isTabObject, mergeFields, readTabRecord, toHubTemplate, type TabObject, type TabRecord } from './canvas-record.ts';
import { TAB_TEXTS, tabLanguage } from './canvas-texts.ts';
import type { Settings } from './manifest.ts';

/** How long the page may act after Salesforce opened it; reopening the record gives a new one. */
export const TAB_CREDENTIAL_TTL_MS = 30 * 60_000;
const API = '/connectors/salesforce/canvas/api';
const HISTORY_LIMIT = 30;
/** Salesforce's signed request with entityFields="*" is a few tens of kilobytes. */
const BODY_LIMIT_BYTES = 512 * 1024;

const SLDS_ASSETS = fileURLToPath(new URL('../../node_modules/@salesforce-ux/design-system/assets/', import.meta.url));
const TAB_ASSETS = fileURLToPath(new URL('./canvas-assets/', import.meta.url));

/** A notice (no data) may show in any Salesforce frame: the admin setting the app up sees why there is no tab. */
const SALESFORCE_FRAMES = frameAncestors({});

/** What the tab credential binds. */
interface TabClaims extends Record<string, unknown> {
  tenantId: string;
  installationId: string;
  userId: string;
  recordType: TabObject;
  recordId: string;
}

export interface CanvasModuleOptions {
  connectors: Pick<ConnectorsModule, 'deps' | 'registry'>;
  sending: Pick<SendingModule, 'preview' | 'sendSms' | 'conversation'>;
  /** The hub secret key: the tab credential's key is derived from it (every process honours every other's). */
  secretKey: Buffer;
  log: Logger;
  clock?: () => Date;
}

const PreviewSchema = z
  .object({
    text: z.string().max(5_000),
    category: z.enum(['transactional', 'marketing']),
    to: z.string().max(32),
    record: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const SendSchema = z
  .object({
    text: z.string().max(5_000),
    category: z.enum(['transactional', 'marketing']),
    to: z.string().max(32),
    sendAt: z.iso.datetime({ offset: true }).optional(),
    /** One per click of the page's button: a retried call sends nothing twice. */
    key: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  })
  .strict();

function formFields(body: unknown): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : ''));
}

export function createCanvasModule(options: CanvasModuleOptions): { routes: RouteModule[] } {
  const { connectors, sending, log } = options;
  const clock = options.clock ?? (() => new Date());
  const tokens: SignedTokens<TabClaims> = createSignedTokens<TabClaims>(options.secretKey, 'salesforce-canvas/v1');
  const connector = connectors.registry.get('salesforce')!;

  const installationFor = async (id: string): Promise<StoredInstallation | undefined> => {
    const installation = id.length <= 64 ? await getInstallationById(connectors.deps.db, id) : undefined;
    return installation?.connector === 'salesforce' ? installation : undefined;
  };

  /** The installation's context and its Salesforce API, for a live installation of the tab's tenant. */
  const apiFor = (installation: StoredInstallation) => {
    const context = contextFor(connectors.deps, connector, installation);
    return { settings: context.settings as Settings, api: salesforceApi(context.auth, context.network) };
  };

  const readRecord = async (installation: StoredInstallation, type: TabObject, id: string): Promise<TabRecord> => {
    const { settings, api } = apiFor(installation);
    return readTabRecord(api, type, id, settings.phoneRegion as CountryCode);
  };

  /** A page call's credential, and the live installation it names. */
  async function authorized(request: FastifyRequest): Promise<{ claims: TabClaims; installation: StoredInstallation }> {
    const header = request.headers.authorization ?? '';
    const check = tokens.verify(header.startsWith('Bearer ') ? header.slice(7) : undefined, clock());
    if (!check.ok) {
      throw new HttpProblem(401, 'unauthorized', check.reason === 'expired' ? 'The tab credential expired: reopen the record in Salesforce.' : 'This call needs the credential of an SMS tab opened from Salesforce.');
    }
    const installation = await installationFor(check.claims.installationId);
    if (!installation || installation.tenantId !== check.claims.tenantId || installation.status === 'uninstalled') {
      throw new HttpProblem(403, 'forbidden', 'The Salesforce installation of this tab is no longer installed.');
    }
    return { claims: check.claims, installation };
  }

  /** Salesforce or the sending core refused: a problem the page can show. */
  function problemOf(error: unknown): never {
    if (error instanceof SendInputError) {
      throw new HttpProblem(400, 'validation-failed', `The message has ${error.issues.length} problem(s); nothing was sent.`, {
        errors: error.issues.map((issue) => ({ path: `body.${issue.path}`, message: fromHubWording(issue.message) })),
      });
    }
    if (error instanceof ReauthorizationRequiredError) throw new HttpProblem(503, 'unavailable', 'The hub\'s connection to Salesforce must be renewed by an admin (reconnect the installation).');
    if (error instanceof ExternalSystemError) throw new HttpProblem(error.kind === 'not-found' ? 404 : 503, error.kind === 'not-found' ? 'not-found' : 'unavailable', error.message);
    throw error;
  }

  const event = (installation: StoredInstallation, claims: TabClaims, record: Record<string, unknown>) => ({
    source: 'salesforce',
    type: 'salesforce.record',
    data: { record, salesforce: { installationId: installation.id, sobject: claims.recordType, recordId: claims.recordId, userId: claims.userId } },
  });

  const sendPage = (reply: FastifyReply, status: number, html: string, ancestors: readonly string[]) =>
    reply
      .code(status)
      .header('content-security-policy', canvasCsp(ancestors))
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(html);

  async function register(app: FastifyInstance): Promise<void> {
    // Scoped to this plugin: Salesforce posts the signed request as application/x-www-form-urlencoded.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));

    await app.register(fastifyStatic, {
      root: SLDS_ASSETS,
      prefix: `${CANVAS_ASSETS}/slds/`,
      decorateReply: false,
      index: false,
      // Only what the tab's page uses: the stylesheet and the fonts and images it refers to.
      allowedPath: (path) => /^\/?(styles\/salesforce-lightning-design-system\.min\.css|fonts\/[\w./-]+\.woff2?|images\/[\w./-]+\.(svg|png))$/.test(path),
      maxAge: '1d',
      setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff'),
      schemaHide: true,
    });
    await app.register(fastifyStatic, {
      root: TAB_ASSETS,
      prefix: `${CANVAS_ASSETS}/`,
      decorateReply: false,
      index: false,
      allowedPath: (path) => /^\/?canvas-tab\.(js|css)$/.test(path),
      // Revalidated: a new version of the hub serves a new script under the same name.
      cacheControl: false,
      setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache'),
      schemaHide: true,
    });

    app.post(`/connectors/salesforce/:installationId/${CANVAS_PATH}`, { bodyLimit: BODY_LIMIT_BYTES, schema: { hide: true } }, async (request, reply) => {
      const { installationId } = request.params as { installationId: string };
      const refuse = (reason: string, language = 'en') => {
        log.warn({ installationId, reason }, 'Salesforce Canvas request refused');
        const texts = TAB_TEXTS[tabLanguage(language)];
        return sendPage(reply, 403, renderTabNotice(tabLanguage(language), texts, texts.refused), SALESFORCE_FRAMES);
      };
      const installation = await installationFor(installationId);
      if (!installation || installation.status === 'uninstalled') return refuse('unknown installation');
      const client = await resolveClient(connectors.deps, installation.tenantId, 'salesforce');
      if (!client) return refuse('no OAuth client (consumer secret) configured for the tenant');
      const check = verifySignedRequest(formFields(request.body).signed_request, { consumerSecret: client.clientSecret, organizationId: installation.account, now: clock() });
      if (!check.ok) return refuse(check.reason);
      const canvas: CanvasRequest = check.request;
      const language = tabLanguage(canvas.context.user.language);
      const texts = TAB_TEXTS[language];
      const ancestors = frameAncestors(canvas.client);
      const record = canvas.context.environment.record;
      const type = record?.attributes?.type;
      if (!record?.Id || !isTabObject(type)) return sendPage(reply, 200, renderTabNotice(language, texts, texts.unsupported), ancestors);
      let read: TabRecord;
      try {
        read = await readRecord(installation, type, record.Id);
      } catch (error) {
        log.warn({ err: error, installationId, sobject: type }, 'Salesforce Canvas: the record could not be read');
        const said = error instanceof ExternalSystemError || error instanceof ReauthorizationRequiredError ? error.message : 'the hub could not read the record';
        return sendPage(reply, 502, renderTabNotice(language, texts, `${texts.failed} ${said}`), ancestors);
      }
      const { settings } = apiFor(installation);
      const { token, expiresAt } = tokens.sign({ tenantId: installation.tenantId, installationId: installation.id, userId: canvas.userId, recordType: type, recordId: read.id }, TAB_CREDENTIAL_TTL_MS, clock());
      const user = canvas.context.user as { timeZone?: unknown };
      const html = renderTabPage({
        token,
        expiresAt: expiresAt.toISOString(),
        apiBase: API,
        language,
        timeZone: typeof user.timeZone === 'string' ? user.timeZone : undefined,
        texts,
        record: { type, id: read.id, name: read.name, fields: read.fields },
        phones: read.phones,
        templates: settings.tabTemplates,
        mergeFields: mergeFields(read),
      });
      return sendPage(reply, 200, html, ancestors);
    });

    // With "All users may self-authorize", Salesforce opens the app with a GET and expects the Canvas SDK's OAuth
    // flow; the tab works with signed requests only (POST), so it says what to change.
    app.get(`/connectors/salesforce/:installationId/${CANVAS_PATH}`, { schema: { hide: true } }, async (request, reply) => {
      const texts = TAB_TEXTS[tabLanguage(request.headers['accept-language'])];
      return sendPage(reply, 405, renderTabNotice(tabLanguage(request.headers['accept-language']), texts, texts.needsSignedRequest), SALESFORCE_FRAMES);
    });

    app.get(`${API}/history`, { schema: { hide: true } }, async (request) => {
      const { claims, installation } = await authorized(request);
      const record = await readRecord(installation, claims.recordType, claims.recordId).catch(problemOf);
      const items = await sending.conversation(claims.tenantId, record.phones.map((phone) => phone.e164), HISTORY_LIMIT);
      return { items };
    });

    app.post(`${API}/preview`, { schema: { hide: true } }, async (request) => {
      const { claims, installation } = await authorized(request);
      const body = PreviewSchema.safeParse(request.body);
      if (!body.success) throw new HttpProblem(400, 'validation-failed', 'The preview request is not valid.', { errors: body.error.issues.map((issue) => ({ path: `body.${issue.path.join('.')}`, message: issue.message })) });
      // The record's fields as the page got them: a preview sends nothing, and the rep may write any text anyway.
      return sending
        .preview(claims.tenantId, { text: toHubTemplate(body.data.text), category: body.data.category, to: body.data.to, event: event(installation, claims, body.data.record ?? {}) })
        .catch(problemOf);
    });

    app.post(`${API}/send`, { schema: { hide: true } }, async (request, reply) => {
      const { claims, installation } = await authorized(request);
      const body = SendSchema.safeParse(request.body);
      if (!body.success) throw new HttpProblem(400, 'validation-failed', 'The send request is not valid; nothing was sent.', { errors: body.error.issues.map((issue) => ({ path: `body.${issue.path.join('.')}`, message: issue.message })) });
      // Read again now: the fields the text reads are Salesforce's, and the number must still be the record's.
      const record = await readRecord(installation, claims.recordType, claims.recordId).catch(problemOf);
      const phone = record.phones.find((candidate) => candidate.e164 === body.data.to);
      if (!phone) throw new HttpProblem(400, 'validation-failed', 'This number is not one of the record\'s; nothing was sent.', { errors: [{ path: 'body.to', message: 'not a phone number of the record' }] });
      const message = await sending
        .sendSms(
          claims.tenantId,
          { to: phone.e164, text: toHubTemplate(body.data.text), category: body.data.category, ...(body.data.sendAt ? { sendAt: body.data.sendAt } : {}), event: event(installation, claims, record.fields) },
          { idempotencyKey: `salesforce-canvas:${installation.id}:${claims.userId}:${body.data.key}`, origin: `salesforce-canvas:${installation.id}` },
        )
        .catch(problemOf);
      log.info({ tenantId: claims.tenantId, installationId: installation.id, messageId: message.id, sobject: claims.recordType }, 'SMS sent from the Salesforce tab');
      return reply.code(201).send({ id: message.id, status: message.status, to: message.to, scheduledFor: message.scheduledFor, blockReason: message.blockReason });
    });
  }

  return { routes: [{ scope: 'public', register }] };
}
