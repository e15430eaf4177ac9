import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

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
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
