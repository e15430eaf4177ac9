/**
 * The Outbound Messages endpoint of an installation (Salesforce sends them from a Flow or a workflow rule):
 *
 *   POST /connectors/salesforce/<installation id>/outbound-messages/<token>
 *     text/xml: a SOAP `notifications` message, 1 to 100 notifications of one object (outbound-message.ts)
 *
 * The path's token (random, per installation, shown with the endpoint) keeps others from posting; the message's
 * OrganizationId must be the installation's org. Each notification is stored in the inbox under its own
 * Notification Id (Salesforce repeats a message for up to 24 hours until acknowledged: a repeat is a duplicate),
 * all of them before the answer. Only then does the hub answer `notificationsResponse` with `<Ack>true</Ack>`.
 * A refused message (unknown installation or token, foreign org, malformed XML) gets a SOAP fault and nothing is
 * stored; a store failure gets a Server fault, and Salesforce sends the message again.
 *
 *   GET /connectors/salesforce/external-services/openapi.json   the Flow "Send SMS" action's OpenAPI document
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ConnectorRuntime } from '../../src/connectors/connector.ts';
import { keepRawBodies, rawBodyOf } from '../../src/connectors/webhook-receiver.ts';
import { EXTERNAL_SERVICES_PATH, externalServicesDocument } from './external-services.ts';
import { ACK_RESPONSE, NOTIFICATION_KIND, OUTBOUND_MESSAGE_PATH, parseOutboundMessage, soapFault } from './outbound-message.ts';

/** 100 notifications of a few dozen fields each fit well within this. */
const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

function sameToken(given: string, expected: unknown): boolean {
  if (typeof expected !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** SOAP 1.1 §6.2: a fault travels with HTTP 500. */
const fault = (reply: FastifyReply, code: 'Client' | 'Server', message: string) => reply.code(500).header('content-type', 'text/xml; charset=utf-8').send(soapFault(code, message));

export async function routes(app: FastifyInstance, runtime: ConnectorRuntime): Promise<void> {
  keepRawBodies(app);

  // The Flow "Send SMS" action's description, fetched by Salesforce External Services (it holds no secret).
  app.get(`/${EXTERNAL_SERVICES_PATH}`, { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(externalServicesDocument(runtime.publicUrl)));

  app.post(`/:installationId/${OUTBOUND_MESSAGE_PATH}/:token`, { bodyLimit: BODY_LIMIT_BYTES, schema: { hide: true } }, async (request, reply) => {
    const { installationId, token } = request.params as { installationId: string; token: string };
    const installation = installationId.length <= 64 ? await runtime.findInstallation(installationId) : undefined;
    if (!installation || installation.status === 'uninstalled' || !sameToken(token, installation.state.outboundMessageToken)) {
      request.log.warn({ installationId }, 'Salesforce Outbound Message refused: unknown installation or endpoint token');
      return fault(reply, 'Client', 'Unknown endpoint: copy the Endpoint URL shown by the hub for this installation into the Outbound Message.');
    }
    const message = parseOutboundMessage(rawBodyOf(request.body).toString('utf8'));
    if (!message.ok) {
      request.log.warn({ installationId, reason: message.reason }, 'Salesforce Outbound Message refused');
      return fault(reply, 'Client', `Not a valid Outbound Message: ${message.reason}.`);
    }
    if (message.organizationId !== installation.account) {
      request.log.warn({ installationId, organizationId: message.organizationId }, 'Salesforce Outbound Message from another org refused');
      return fault(reply, 'Client', `This endpoint receives the Outbound Messages of org ${installation.account}, not ${message.organizationId}.`);
    }
    try {
      // Every notification kept before the acknowledgement; a repeat of one is a duplicate and changes nothing.
      await Promise.all(
        message.notifications.map((notification) =>
          runtime.receive(installation, { kind: NOTIFICATION_KIND, dedupeKey: `notification:${notification.notificationId}`, headers: {}, body: JSON.stringify(notification) }),
        ),
      );
    } catch (error) {
      request.log.error({ err: error, installationId }, 'Salesforce Outbound Message could not be stored; Salesforce will send it again');
      return fault(reply, 'Server', 'The hub could not keep this message now; it will be accepted when Salesforce sends it again.');
    }
    return reply.code(200).header('content-type', 'text/xml; charset=utf-8').send(ACK_RESPONSE);
  });
}
