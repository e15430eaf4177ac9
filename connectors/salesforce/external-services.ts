/**
 * The Flow "Send SMS" action without Apex or a package: an OpenAPI 3.0 document of the hub's `POST /v1/messages/sms`
 * that Salesforce External Services registers (Setup → Integrations → External Services, through a Named Credential
 * holding the hub's API key). Each operation becomes an invocable action in Flow Builder.
 *
 * Kept to what External Services documents it supports (help.salesforce.com "Schema Definitions", "OpenAPI 2.0 and
 * 3.0 Support"): one operation with an explicit operationId, a JSON request body of simple typed properties (string,
 * enum, date-time), a request header (Idempotency-Key), one media type, no composition keywords, response headers
 * or security objects (authentication is the Named Credential's). The send API itself accepts more (a batch, a
 * contact id, inline event data): the document names the part a Flow needs.
 */
export const EXTERNAL_SERVICES_PATH = 'external-services/openapi.json';

export function externalServicesDocument(publicUrl: string): Record<string, unknown> {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    openapi: '3.0.3',
    info: {
      title: 'Spot-Hit SMS',
      version: '1.0.0',
      description: 'Send an SMS from a Salesforce Flow through the hub. Register it in Setup → Integrations → External Services with a Named Credential whose External Credential sends "Authorization: Bearer <hub API key>".',
    },
    servers: [{ url: base }],
    paths: {
      '/v1/messages/sms': {
        post: {
          operationId: 'sendSms',
          summary: 'Send SMS',
          description: 'Sends one SMS (or schedules it with sendAt). The same Idempotency-Key sends it once, however often the Flow retries.',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'A key unique to this SMS, e.g. the record id and the Flow\'s purpose ("006…-relance-1"): a retry with it sends nothing twice.',
              schema: { type: 'string', maxLength: 255 },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['to', 'text', 'category'],
                  properties: {
                    to: { type: 'string', description: 'The phone number, international (+33612345678) or national in the hub\'s region (06 12 34 56 78).' },
                    text: { type: 'string', description: 'The text, or a template of the hub ({{ contact.firstName }}).' },
                    category: { type: 'string', enum: ['transactional', 'marketing'], description: 'transactional (an order, an appointment, an invoice) or marketing (needs consent; STOP mention; quiet hours).' },
                    sendAt: { type: 'string', format: 'date-time', description: 'Send at this instant instead of now.' },
                  },
                },
              },
            },
          },
          responses: {
            '201': {
              description: 'The SMS was accepted.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      id: { type: 'string', description: 'The hub\'s message id.' },
                      status: { type: 'string', description: 'accepted, scheduled, submitted, delivered, failed…' },
                      to: { type: 'string' },
                    },
                  },
                },
              },
            },
            '200': {
              description: 'The same Idempotency-Key was sent before: the SMS it sent.',
              content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' }, to: { type: 'string' } } } } },
            },
          },
        },
      },
    },
  };
}
