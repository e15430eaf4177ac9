import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { RouteModule } from '../gateway/app.ts';

/** Where `npm install` (prepare) and `npm start` (prestart) build the console (console/build.ts). */
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/**
 * The console's pages run only the bundle's own files: no inline script, no third-party origin.
 * 'unsafe-eval' is there for one reason: the install forms are generated from each connector's JSON
 * Schema at run time and validated by Ajv, which compiles a schema into a function. Inline styles are
 * allowed (the form library and React set style attributes); inline scripts never are.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    // Setup and invitation links carry their token in the URL: never pass it on as a Referer.
    .header('referrer-policy', 'no-referrer');
}

/**
 * The web console at /console (a single-page app built to static files) and `/` redirecting to it.
 * Every /console path that is not a built asset answers the app's index.html: the app's own router
 * reads the path (/console/connectors, /console/setup?token=…).
 */
export function consoleRouteModules(options: { root?: string } = {}): RouteModule[] {
  const root = options.root ?? CONSOLE_BUILD_DIR;
  return [
    {
      scope: 'public',
      async register(app) {
        const built = () => existsSync(`${root}/index.html`);
        await app.register(fastifyStatic, {
          root: `${root}/assets`,
          prefix: '/console/assets/',
          // File names carry a content hash (Vite): they never change, so they can be kept forever.
          immutable: true,
          maxAge: '365d',
          index: false,
          setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff'),
          schemaHide: true,
        });
        app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));
        const page = async (_request: unknown, reply: FastifyReply) => {
          secureHeaders(reply).header('cache-control', 'no-cache');
          if (!built()) {
            return reply
              .code(503)
              .type('text/plain; charset=utf-8')
              .send('The console is not built yet: `npm install` builds it (or `npm run build:console`).');
          }
          // The page names the current asset hashes: always revalidated (the assets themselves are cached for good).
          return reply.type('text/html; charset=utf-8').sendFile('index.html', root, { cacheControl: false });
        };
        app.get('/console', { schema: { hide: true } }, page);
        app.get('/console/*', { schema: { hide: true } }, page);
      },
    },
  ];
}
