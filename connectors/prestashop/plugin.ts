/**
 * The route the connectorhub module posts to (plugins/prestashop/PAYLOAD.md):
 *
 *   POST /connectors/prestashop/<installation id>/events
 *     X-Connector-Hub-Signature: t=…,v1=… (the hub's own scheme, src/signatures) over the raw body
 *     with the installation's module secret, refused outside ±300 s. The body's `id` is the
 *     delivery id, kept by every retry of the module: the inbox dedupes on it.
 *
 * Answers as PAYLOAD.md says the module expects: 200 once stored (a duplicate and `module.ping`
 * too), 401 for a bad or expired signature, 404 for an unknown installation, 400 for a body that
 * is not JSON or has no id. Any 5xx makes the module keep the payload and retry.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorRuntime, Installation } from '../../src/connectors/connector.ts';
import { keepRawBodies, rawBodyOf, singleHeader } from '../../src/connectors/webhook-receiver.ts';
import { HttpProblem } from '../../src/gateway/problem.ts';
import { verifySignature } from '../../src/signatures/hub-signature.ts';
import { MODULE_KIND } from './inbound.ts';
import { CredentialsSchema } from './manifest.ts';

export const EVENTS_PATH = 'events';
const SIGNATURE_HEADER = 'X-Connector-Hub-Signature';
const KEPT_HEADERS = ['user-agent', 'content-type', 'x-connector-hub-delivery'];

const Params = z.object({ installationId: z.string().min(1).max(64) });
const ReceivedSchema = z.object({ received: z.literal(true), id: z.string().optional(), duplicate: z.boolean().optional(), ping: z.boolean().optional(), shop: z.string().optional() });

export async function routes(root: FastifyInstance, runtime: ConnectorRuntime): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  keepRawBodies(app);

  const installationOr404 = async (id: string): Promise<Installation> => {
    const installation = await runtime.findInstallation(id);
    if (!installation || installation.connector !== 'prestashop' || installation.status === 'uninstalled') {
      throw new HttpProblem(404, 'not-found', `No PrestaShop installation "${id}" on this hub (it may have been uninstalled): check the installation id in the module's settings.`);
    }
    return installation;
  };

  app.post(
    `/:installationId/${EVENTS_PATH}`,
    {
      schema: {
        tags: ['connectors'],
        summary: 'Messages of the connectorhub PrestaShop module (signed with the installation\'s module secret)',
        params: Params,
        response: { 200: ReceivedSchema },
      },
    },
    async (request) => {
      const installation = await installationOr404(request.params.installationId);
      const body = rawBodyOf(request.body);
      const credentials = CredentialsSchema.safeParse(runtime.credentials(installation));
      if (!credentials.success) throw new HttpProblem(404, 'not-found', `Installation ${installation.id} has no module secret; install it again.`);
      const check = verifySignature(credentials.data.moduleSecret, body, singleHeader(request.headers, SIGNATURE_HEADER));
      if (!check.ok) {
        request.log.warn({ installationId: installation.id, reason: check.reason }, 'PrestaShop module request refused: bad signature');
        throw new HttpProblem(401, 'unauthorized', `${SIGNATURE_HEADER}: ${check.message}. Check the secret in the module's settings (Modules → Connector hub → Configure) and the shop's clock.`);
      }
      let message: { type?: unknown; id?: unknown };
      try {
        message = JSON.parse(body.toString('utf8')) as { type?: unknown; id?: unknown };
      } catch {
        throw new HttpProblem(400, 'malformed-body', 'The module\'s body is not JSON.');
      }
      if (message.type === 'module.ping') return { received: true as const, ping: true, shop: installation.account };
      if (typeof message.id !== 'string' || message.id === '' || message.id.length > 100) throw new HttpProblem(400, 'malformed-body', 'The module\'s message has no "id" (its delivery id, 1 to 100 characters).');
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = singleHeader(request.headers, name);
        if (value !== undefined) headers[name] = value.slice(0, 500);
      }
      const result = await runtime.receive(installation, { kind: MODULE_KIND, dedupeKey: `event:${message.id}`, headers, body: body.toString('utf8') });
      return { received: true as const, id: result.id, duplicate: result.duplicate };
    },
  );
}
