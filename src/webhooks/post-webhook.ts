import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PostResult } from './response-outcome.ts';
import { EXCERPT_CHARS } from './response-outcome.ts';
import { guardedAgent } from '../net/guarded-connection.ts';
import { BlockedTargetError } from '../net/outbound-guard.ts';
import type { WebhookRequest } from './webhook-request.ts';

export interface PostOptions {
  /** For the whole exchange: connection, request, and the answer's headers and body. */
  timeoutMs: number;
  allowPrivateTargets: boolean;
}

/** Past this much of a response body the connection is dropped: only an excerpt is kept anyway. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * POSTs one webhook request and reports what came back. node:http rather than fetch: its agent
 * lets the outbound guard (src/net) vet the address actually connected to, and it never follows redirects.
 * Never throws; every failure is a `PostResult`.
 */
export function postWebhook(target: string, request: WebhookRequest, options: PostOptions): Promise<PostResult> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve({ kind: 'blocked', error: `not a URL: ${target}` });
  }
  return new Promise((resolve) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    let answered: { statusCode: number; retryAfter: string | undefined; body: string } | undefined;
    const settle = () => answered && resolve({ kind: 'answered', statusCode: answered.statusCode, retryAfter: answered.retryAfter, bodyExcerpt: answered.body });
    const onResponse = (response: IncomingMessage) => {
      const retryAfter = response.headers['retry-after'];
      answered = { statusCode: response.statusCode ?? 0, retryAfter, body: '' };
      let bytes = 0;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (answered!.body.length < EXCERPT_CHARS * 2) answered!.body += chunk.slice(0, EXCERPT_CHARS * 2);
        bytes += Buffer.byteLength(chunk);
        if (bytes > MAX_BODY_BYTES) response.destroy();
      });
      response.on('end', settle);
      response.on('close', settle);
      // The status counts even when the body breaks off (timeout, reset, the size limit above).
      response.on('error', settle);
    };
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const send = protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
        signal,
        ...(options.allowPrivateTargets ? {} : { agent: guardedAgent(protocol) }),
      },
      onResponse,
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return settle();
      if (signal.aborted) return resolve({ kind: 'timeout', timeoutMs: options.timeoutMs });
      if (error instanceof BlockedTargetError) return resolve({ kind: 'blocked', error: error.message });
      resolve({ kind: 'network', error: error.message || error.code || 'connection failed' });
    });
    outgoing.end(request.body);
  });
}
