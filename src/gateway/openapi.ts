import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { requiredAccess } from './access.ts';

type Transform = typeof jsonSchemaTransform;

/**
 * The zod transform, plus the role each /v1 route needs (src/gateway/access.ts) in its description and
 * as `x-required-role`; the way-in routes (sign-in, setup, invitations) say they need no credential.
 */
const withRoles: Transform = (input) => {
  const output = jsonSchemaTransform(input);
  if (!input.url.startsWith('/v1/')) return output;
  const methods = Array.isArray(input.route.method) ? input.route.method : [input.route.method];
  const access = requiredAccess(String(methods[0]), input.url);
  const schema = output.schema as Record<string, unknown>;
  const note = access === 'anonymous' ? 'No credential needed.' : `Needs the ${access} role or higher.`;
  return {
    ...output,
    schema: {
      ...schema,
      ...(access === 'anonymous' ? { security: [] } : {}),
      description: typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note,
      'x-required-role': access,
    },
  };
};

/**
 * The OpenAPI document is generated from the routes' zod schemas; the UI and JSON are served at /docs.
 * Its server URL is relative (the public URL's path only): Swagger UI's "Try it out" then calls the
 * host name the browser used, whatever the hub's configured public URL says.
 */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Connector hub API',
        version,
        description:
          'Events, contacts, messages, webhooks and connectors. Authenticate with `Authorization: Bearer <API key>`, or with the console\'s ' +
          '`hub_session` cookie (POST /v1/auth/sign-in; changes then need the `X-CSRF-Token` header). Each key and user has a role ' +
          '(owner, admin, marketer, read-only: docs/console.md); a call the role does not allow answers 403. Errors are application/problem+json.',
      },
      servers: [
        { url: new URL(publicUrl).pathname.replace(/\/+$/, '') || '/', description: 'The address this page was opened at' },
        { url: publicUrl, description: "The hub's public URL (HUB_PUBLIC_URL)" },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'hub_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: withRoles,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
