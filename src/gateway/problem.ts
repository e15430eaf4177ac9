import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError, type DomainErrorKind } from '../errors.ts';

/**
 * Every error the API returns is `application/problem+json` (RFC 9457): `type` names the kind of
 * problem (stable, documented in docs/api-errors.md), `detail` says what to do about it, and
 * validation problems list each wrong field in `errors`.
 */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof ProblemSchema>;

export type ProblemCode =
  | 'validation-failed'
  | 'malformed-body'
  | 'malformed-request'
  | 'uri-too-long'
  | 'headers-too-large'
  | 'request-timeout'
  | 'body-too-large'
  | 'unsupported-media-type'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable'
  | 'internal';

const TITLES: Record<ProblemCode, string> = {
  'validation-failed': 'The request is not valid',
  'malformed-body': 'The request body cannot be parsed',
  'malformed-request': 'The request cannot be parsed',
  'uri-too-long': 'A path segment is too long',
  'headers-too-large': 'The request headers are too large',
  'request-timeout': 'The request took too long to arrive',
  'body-too-large': 'The request body is too large',
  'unsupported-media-type': 'Unsupported content type',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  conflict: 'Conflict',
  unprocessable: 'The request cannot be processed',
  'rate-limited': 'Too many requests',
  unavailable: 'Temporarily unavailable',
  internal: 'Internal error',
};

/** Thrown by route handlers and services to answer with a specific problem. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly errors: Problem['errors'];
  readonly headers: Record<string, string>;

  constructor(status: number, code: ProblemCode, detail: string, options: { errors?: Problem['errors']; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

/** Routes import it from here with the rest of the problem helpers; it is a domain error like the services'. */
export { notFound } from '../errors.ts';

/** The one place a service's refusal (src/errors.ts) becomes an HTTP status and a problem type. */
const DOMAIN_PROBLEMS: Record<DomainErrorKind, { status: number; code: ProblemCode }> = {
  'invalid-input': { status: 400, code: 'validation-failed' },
  'not-found': { status: 404, code: 'not-found' },
  conflict: { status: 409, code: 'conflict' },
  unprocessable: { status: 422, code: 'unprocessable' },
  'external-unavailable': { status: 502, code: 'unavailable' },
};

/** A domain error as the problem the API answers: same detail, its field issues as `errors`. */
export function domainProblem(error: DomainError): HttpProblem {
  const { status, code } = DOMAIN_PROBLEMS[error.kind];
  return new HttpProblem(status, code, error.message, error.issues === undefined ? {} : { errors: error.issues });
}

export function problemBody(status: number, code: ProblemCode, detail: string, instance?: string): Problem {
  return { type: `urn:hub:problem:${code}`, title: TITLES[code], status, detail, ...(instance === undefined ? {} : { instance }) };
}

/** The path of a request URL without its query: a query may carry a secret (`?api_key=`), and a problem never echoes one. */
export const pathOf = (url: string): string => url.split('?', 1)[0]!;

export function sendProblem(reply: FastifyReply, status: number, code: ProblemCode, detail: string, errors?: Problem['errors']): FastifyReply {
  const problem = problemBody(status, code, detail, pathOf(reply.request.url));
  if (errors) problem.errors = errors;
  // Set here, not only in the onSend hook: errors raised before routing (a bad URL) skip the route's hooks.
  reply.header('x-request-id', reply.request.id);
  return reply.code(status).type('application/problem+json').serializer(JSON.stringify).send(problem);
}

/** `root.field[0].name`: how every `errors[].path` is written. */
export function formatPath(segments: readonly PropertyKey[], root: string): string {
  return segments.reduce<string>((path, segment) => (typeof segment === 'number' ? `${path}[${segment}]` : `${path}.${String(segment)}`), root);
}

/** Error and 404 handlers of the whole gateway. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError, request, reply) => {
    const error = thrown instanceof DomainError ? domainProblem(thrown) : thrown;
    if (error instanceof HttpProblem) {
      reply.headers(error.headers);
      return sendProblem(reply, error.status, error.code, error.message, error.errors);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors = error.validation.map((issue) => ({
        path: formatPath((issue.params as { issue?: { path?: PropertyKey[] } }).issue?.path ?? issue.instancePath.split('/').filter(Boolean), where),
        message: issue.message ?? 'invalid',
      }));
      return sendProblem(reply, 400, 'validation-failed', `The ${where} has ${errors.length} invalid field(s); see errors.`, errors);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, 413, 'body-too-large', `The body exceeds the limit of ${request.routeOptions.bodyLimit ?? 'the configured'} bytes.`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, 415, 'unsupported-media-type', `Content-Type "${request.headers['content-type'] ?? ''}" is not accepted here; send application/json.`);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, 400, 'malformed-body', 'The body is empty but Content-Type says JSON.');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendProblem(reply, 400, 'malformed-body', `The body is not valid JSON: ${error.message}`);
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return sendProblem(reply, 400, 'malformed-body', `The body cannot be parsed: ${error.message}`);
    }
    if (isResponseSerializationError(error) || (error.statusCode ?? 500) >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, 500, 'internal', 'The hub failed to handle this request; it has been logged with the request id.');
    }
    return sendProblem(reply, error.statusCode ?? 400, 'unprocessable', error.message);
  });

  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, 'not-found', `No route ${request.method} ${pathOf(request.url)}. The API is documented at /docs.`));
}
