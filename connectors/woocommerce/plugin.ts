/**
 * The public routes WooCommerce and the companion WordPress plugin call, under
 * /connectors/woocommerce/<installation id>/:
 *
 *   POST webhook   WooCommerce webhooks (headers per WC_Webhook::deliver). Order of checks: the
 *                  creation ping (`webhook_id=N`, form-encoded, unsigned: must get 200 or the
 *                  admin sees an error), then X-WC-Webhook-Signature = base64 HMAC-SHA256 of the
 *                  raw body with that webhook's secret, before anything is read or stored.
 *   POST cart      The plugin's cart events, signed `X-Connector-Hub-Signature: t=…,v1=…` (the
 *                  same scheme as the hub's own outbound webhooks) with the installation's plugin secret.
 *
 * Both answer as soon as the request is stored (WooCommerce does not retry, waits on the answer,
 * and disables a webhook after more than 5 failures in a row): a replay answers 200 too.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorRuntime, Installation } from '../../src/connectors/connector.ts';
import { keepRawBodies, rawBodyOf, singleHeader, verifyHmac } from '../../src/connectors/webhook-receiver.ts';
import { HttpProblem } from '../../src/gateway/problem.ts';
import { verifySignature } from '../../src/signatures/hub-signature.ts';
import { WEBHOOK_PATH } from './install.ts';
import { CredentialsSchema } from './manifest.ts';
import { webhookSecretPurpose, WooStateSchema } from './state.ts';

const CART_PATH = 'cart';
const PLUGIN_SIGNATURE_HEADER = 'X-Connector-Hub-Signature';

/** WC_Webhook::deliver_ping: `'body' => 'webhook_id=' . $this->get_id()`, no X-WC-* headers. */
const PING_BODY = /^webhook_id=\d{1,20}$/;

/** Headers kept with the stored request (the signature has done its job and is not kept). */
const KEPT_HEADERS = ['x-wc-webhook-source', 'x-wc-webhook-topic', 'x-wc-webhook-resource', 'x-wc-webhook-event', 'x-wc-webhook-id', 'x-wc-webhook-delivery-id', 'user-agent', 'content-type'];

const Params = z.object({ installationId: z.string().min(1).max(64) });

const ReceivedSchema = z.object({ received: z.literal(true), id: z.string().optional(), duplicate: z.boolean().optional(), ping: z.boolean().optional() });

function keptHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = singleHeader(request.headers, name);
    if (value !== undefined) out[name] = value.slice(0, 500);
  }
  return out;
}

/** The secrets a delivery may be signed with: its webhook's when X-WC-Webhook-ID names one the hub knows, else all. */
function webhookSecrets(runtime: ConnectorRuntime, installation: Installation, webhookId: string | undefined): string[] {
  const state = WooStateSchema.safeParse(installation.state);
  if (!state.success) return [];
  const entries = Object.entries(state.data.webhooks);
  const exact = entries.filter(([, entry]) => entry.id !== null && String(entry.id) === webhookId);
  return (exact.length > 0 ? exact : entries).map(([topic, entry]) => runtime.open(installation, entry.secretSealed, webhookSecretPurpose(topic)));
}

const bodyDigest = (body: Buffer) => createHash('sha256').update(body).digest('base64url').slice(0, 32);

export async function routes(root: FastifyInstance, runtime: ConnectorRuntime): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  keepRawBodies(app);

  const installationOr404 = async (id: string, fresh = false): Promise<Installation> => {
    const installation = await runtime.findInstallation(id, { fresh });
    if (!installation || installation.connector !== 'woocommerce' || installation.status === 'uninstalled') {
      throw new HttpProblem(404, 'not-found', `No WooCommerce installation "${id}" on this hub (it may have been uninstalled).`);
    }
    return installation;
  };

  app.post(
    `/:installationId/${WEBHOOK_PATH}`,
    {
      schema: {
        tags: ['connectors'],
        summary: 'WooCommerce webhook receiver (signed by WooCommerce)',
        params: Params,
        response: { 200: ReceivedSchema },
      },
    },
    async (request) => {
      let installation = await installationOr404(request.params.installationId);
      const body = rawBodyOf(request.body);
      const signature = singleHeader(request.headers, 'x-wc-webhook-signature');
      if (signature === undefined && body.length < 64 && PING_BODY.test(body.toString('latin1').trim())) return { received: true as const, ping: true };
      const webhookId = singleHeader(request.headers, 'x-wc-webhook-id');
      let check = verifyHmac(body, signature, webhookSecrets(runtime, installation, webhookId), { encoding: 'base64' });
      if (!check.ok && check.reason === 'mismatch') {
        // A webhook created seconds ago may not be in the cached installation yet.
        installation = await installationOr404(request.params.installationId, true);
        check = verifyHmac(body, signature, webhookSecrets(runtime, installation, undefined), { encoding: 'base64' });
      }
      if (!check.ok) {
        request.log.warn({ installationId: installation.id, reason: check.reason, webhookId }, 'WooCommerce webhook refused: bad signature');
        throw new HttpProblem(
          401,
          'unauthorized',
          check.reason === 'missing'
            ? 'X-WC-Webhook-Signature is missing: only WooCommerce webhooks the hub registered are accepted here.'
            : 'X-WC-Webhook-Signature does not match the body with any secret of this installation (was the webhook created by hand, or the body altered by a proxy?).',
        );
      }
      // X-WC-Webhook-Delivery-ID is wp_hash(webhook id . time()) (WC_Webhook::get_new_delivery_id): unique
      // per webhook and second only, so two orders updated in the same second share it. The body's digest
      // tells them apart; a replay of the same delivery has both equal and is stored once.
      const deliveryId = singleHeader(request.headers, 'x-wc-webhook-delivery-id') ?? '-';
      const result = await runtime.receive(installation, {
        kind: 'webhook',
        dedupeKey: `webhook:${webhookId ?? '-'}:${deliveryId}:${bodyDigest(body)}`,
        headers: keptHeaders(request),
        body: body.toString('utf8'),
      });
      return { received: true as const, id: result.id, duplicate: result.duplicate };
    },
  );

  app.post(
    `/:installationId/${CART_PATH}`,
    {
      schema: {
        tags: ['connectors'],
        summary: 'Cart events from the companion WordPress plugin (signed with the installation\'s plugin secret)',
        params: Params,
        response: { 200: ReceivedSchema.extend({ shop: z.string().optional() }) },
      },
    },
    async (request) => {
      const installation = await installationOr404(request.params.installationId);
      const body = rawBodyOf(request.body);
      const credentials = CredentialsSchema.safeParse(runtime.credentials(installation));
      if (!credentials.success) throw new HttpProblem(404, 'not-found', `Installation ${installation.id} has no plugin secret; install it again.`);
      const check = verifySignature(credentials.data.pluginSecret, body, singleHeader(request.headers, PLUGIN_SIGNATURE_HEADER));
      if (!check.ok) {
        request.log.warn({ installationId: installation.id, reason: check.reason }, 'plugin request refused: bad signature');
        throw new HttpProblem(401, 'unauthorized', `${PLUGIN_SIGNATURE_HEADER}: ${check.message}. Check the secret in the plugin's settings (WooCommerce → Connector hub).`);
      }
      let message: { type?: unknown; id?: unknown };
      try {
        message = JSON.parse(body.toString('utf8')) as { type?: unknown; id?: unknown };
      } catch {
        throw new HttpProblem(400, 'malformed-body', 'The plugin\'s body is not JSON.');
      }
      if (message.type === 'plugin.ping') return { received: true as const, ping: true, shop: installation.account };
      const result = await runtime.receive(installation, {
        kind: 'cart',
        dedupeKey: `cart:${typeof message.id === 'string' ? message.id.slice(0, 100) : bodyDigest(body)}`,
        headers: keptHeaders(request),
        body: body.toString('utf8'),
      });
      return { received: true as const, id: result.id, duplicate: result.duplicate };
    },
  );
}
