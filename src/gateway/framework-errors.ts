/**
 * Errors Fastify and Node raise before a route runs, answered as problem+json like every other error.
 * Left to their defaults they answer `{"code":"FST_ERR_…"}` or a bare JSON body, without a request id.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problemBody, sendProblem, type ProblemCode } from './problem.ts';

/** Fastify's `frameworkErrors` option: a URL the router cannot decode, a path parameter over `maxParamLength`. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void sendProblem(reply, 414, 'uri-too-long', 'A path segment is longer than the API allows (100 characters); no id is that long.');
    return;
  }
  void sendProblem(reply, 400, 'malformed-request', 'The URL cannot be decoded: a percent-escape is not valid UTF-8 or is incomplete.');
}

const CLIENT_ERRORS: Record<string, { status: number; code: ProblemCode; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request-timeout', detail: 'The request did not arrive within the server timeout; the connection is closed.' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers-too-large', detail: 'The request headers exceed the server limit.' },
};

/**
 * Fastify's `clientErrorHandler`: the HTTP parser refused the request (malformed, timed out, headers
 * too large), so there is no request object; the answer is written on the socket, which is then closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, code: 'malformed-request' as const, detail: 'The request is not valid HTTP.' };
  const body = JSON.stringify(problemBody(known.status, known.code, known.detail));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
