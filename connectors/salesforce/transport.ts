/**
 * jsforce's HTTP, through the hub's outbound guard. jsforce 3 sends with its own copy of undici and a process-wide
 * dispatcher, retrying GETs on 5xx for up to ~15 s; the hub needs instead: every connection to the tenant's instance
 * vetted by the SSRF guard of src/net (the instance URL comes from the token answer), a timeout, no redirect
 * followed with the bearer token, and no retries inside a job (the inbox, schedules and scenario steps retry with
 * their own backoff). So the connector's connections get this transport: node:https with the guarded agent.
 */
import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import { Transport } from 'jsforce/lib/transport.js';
import type { HttpRequest } from 'jsforce/lib/types/common.js';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { guardedAgent } from '../../src/net/guarded-connection.ts';
import { blockedLiteral, BLOCKED_TARGET_CODE, type NetworkPolicy } from '../../src/net/outbound-guard.ts';

export const REQUEST_TIMEOUT_MS = 30_000;
/** A Salesforce answer larger than this is not one the connector asked for (a query page is at most 2,000 records). */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

export class GuardedTransport extends Transport {
  readonly #network: NetworkPolicy;

  constructor(network: NetworkPolicy) {
    super();
    this.#network = network;
  }

  override getRequestStreamCreator(): (request: HttpRequest) => PassThrough {
    return (request) => {
      const stream = new PassThrough();
      send(request, this.#network).then(
        (response) => stream.emit('complete', response),
        (error: unknown) => stream.emit('error', error),
      );
      return stream;
    };
  }
}

function send(request: HttpRequest, network: NetworkPolicy): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  const url = new URL(request.url);
  const what = `calling Salesforce (${request.method} ${url.pathname})`;
  if (url.protocol !== 'https:' && !network.allowPrivateTargets) return Promise.reject(new ExternalSystemError('blocked', `Salesforce is reached over https only, not ${url.protocol}//.`));
  const blocked = network.allowPrivateTargets ? undefined : blockedLiteral(url.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (blocked) return Promise.reject(new ExternalSystemError('blocked', blocked.message));
  const body = request.body === undefined || request.body === null ? undefined : typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body : undefined;
  if (request.body !== undefined && request.body !== null && body === undefined) return Promise.reject(new Error('jsforce sent a streamed body; the Salesforce connector sends JSON only'));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      url,
      {
        method: request.method,
        headers: { ...request.headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
        ...(network.allowPrivateTargets ? {} : { agent: guardedAgent(url.protocol === 'https:' ? 'https:' : 'http:') }),
        timeout: REQUEST_TIMEOUT_MS,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) incoming.destroy(new ExternalSystemError('invalid-response', `Salesforce answered more than ${MAX_BODY_BYTES} bytes while ${what}.`));
          else chunks.push(chunk);
        });
        incoming.on('error', reject);
        incoming.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ statusCode: incoming.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new ExternalSystemError('timeout', `Salesforce did not answer within ${REQUEST_TIMEOUT_MS / 1000} s while ${what}.`)));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof ExternalSystemError) return reject(error);
      if (error.code === BLOCKED_TARGET_CODE) return reject(new ExternalSystemError('blocked', error.message));
      reject(new ExternalSystemError('unreachable', `Salesforce cannot be reached while ${what} (${error.code ?? 'error'}: ${error.message}).`));
    });
    outgoing.end(body);
  });
}
