/**
 * Google's push notifications (developers.google.com/workspace/calendar/api/guides/push):
 *
 *   POST /connectors/google-calendar/<installation id>/push
 *     no body; X-Goog-Channel-ID, X-Goog-Channel-Token (the token the hub gave at watch),
 *     X-Goog-Resource-ID, X-Goog-Resource-State (`sync` when the channel starts, then `exists`;
 *     `not_exists` for deleted resources), X-Goog-Message-Number, X-Goog-Channel-Expiration.
 *
 * A notification only says "something changed": the channel and its token are checked (an unknown
 * channel 404, a wrong token or resource 401, nothing stored), then an inbox entry names the
 * calendar and the fetch step reads the changes. The message number makes Google's retries
 * duplicates. The `sync` message is stored too: for a new calendar it starts the first full sync.
 * 2xx as soon as the entry is stored (Google retries 5xx with backoff; its pushes are not
 * guaranteed, hence the backstop sync schedule).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorRuntime } from '../../src/connectors/connector.ts';
import { keepRawBodies, singleHeader } from '../../src/connectors/webhook-receiver.ts';
import { HttpProblem } from '../../src/gateway/problem.ts';
import { CHANNEL_TOKEN_PURPOSE, findChannel, PUSH_PATH } from './channels.ts';
import { PUSH_KIND } from './inbound.ts';
import { GcStateSchema } from './state.ts';

const Params = z.object({ installationId: z.string().min(1).max(64) });
const RESOURCE_STATES = new Set(['sync', 'exists', 'not_exists']);
const KEPT_HEADERS = ['x-goog-channel-id', 'x-goog-resource-id', 'x-goog-resource-state', 'x-goog-message-number', 'x-goog-channel-expiration', 'x-goog-resource-uri'];

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function routes(root: FastifyInstance, runtime: ConnectorRuntime): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // Google sends no body; whatever a proxy adds is kept raw and ignored.
  keepRawBodies(app);

  const channelOf = async (installationId: string, channelId: string) => {
    for (const fresh of [false, true]) {
      // A channel created a moment ago may not be in the cached installation yet.
      const installation = await runtime.findInstallation(installationId, { fresh });
      if (!installation || installation.status === 'uninstalled') return undefined;
      const state = GcStateSchema.safeParse(installation.state);
      const found = state.success ? findChannel(state.data, channelId) : undefined;
      if (found) return { installation, ...found };
    }
    return undefined;
  };

  app.post(
    `/:installationId/${PUSH_PATH}`,
    {
      schema: {
        tags: ['connectors'],
        summary: 'Google Calendar push notifications (checked by channel id and token)',
        params: Params,
        response: { 200: z.object({ received: z.literal(true), id: z.string().optional(), duplicate: z.boolean().optional() }) },
      },
    },
    async (request) => {
      const channelId = singleHeader(request.headers, 'x-goog-channel-id');
      const state = singleHeader(request.headers, 'x-goog-resource-state');
      if (!channelId || !state || !RESOURCE_STATES.has(state)) throw new HttpProblem(400, 'malformed-request', 'Not a Google Calendar notification: X-Goog-Channel-ID and X-Goog-Resource-State (sync, exists, not_exists) are required.');
      const found = await channelOf(request.params.installationId, channelId);
      if (!found) {
        request.log.warn({ installationId: request.params.installationId, channelId }, 'Google Calendar push for an unknown channel refused');
        throw new HttpProblem(404, 'not-found', `No channel ${channelId} on this installation (stopped, or never the hub's).`);
      }
      const { installation, calendarId, channel } = found;
      const token = runtime.open(installation, channel.tokenSealed, `${CHANNEL_TOKEN_PURPOSE}:${channel.id}`);
      if (!sameSecret(singleHeader(request.headers, 'x-goog-channel-token'), token) || singleHeader(request.headers, 'x-goog-resource-id') !== channel.resourceId) {
        request.log.warn({ installationId: installation.id, channelId }, 'Google Calendar push refused: wrong channel token or resource');
        throw new HttpProblem(401, 'unauthorized', 'X-Goog-Channel-Token or X-Goog-Resource-ID does not match the channel.');
      }
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = singleHeader(request.headers, name);
        if (value !== undefined) headers[name] = value.slice(0, 300);
      }
      const messageNumber = singleHeader(request.headers, 'x-goog-message-number') ?? `${Date.now()}`;
      const result = await runtime.receive(installation, { kind: PUSH_KIND, dedupeKey: `push:${channel.id}:${messageNumber}`, headers, body: JSON.stringify({ calendarId, state }) });
      return { received: true as const, id: result.id, duplicate: result.duplicate };
    },
  );
}
