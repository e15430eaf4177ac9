import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

/**
 * Paths pino blanks out in every log line: credentials must never reach logs, even at debug level.
 * Request bodies are never logged; only these header and field names are known to carry secrets.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-wc-webhook-signature"]',
  'req.headers["x-goog-channel-token"]',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.accessToken',
  '*.refreshToken',
  '*.consumerSecret',
];

/** Query parameters whose value is a credential by its name (`?api_key=`, `?access_token=`, `?sig=`…). */
const SECRET_PARAMETER = /key|token|secret|passw|pwd|signature|^sig$|^auth|credential|session/i;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
}

/**
 * `url` with the value of every secret-named query parameter replaced by `[redacted]`. A client that
 * puts its key in the URL (`GET /v1/me?api_key=…`) is refused, but the request line is still logged.
 */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return SECRET_PARAMETER.test(decodedName(name)) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, mark)}?${query.join('&')}`;
}

/** Fastify's request serializer (the same fields) with the URL's secrets redacted. */
function serializeRequest(request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: request.method, url: redactUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
  };
}

/**
 * The process logger: one JSON object a line for log collectors, or readable coloured lines when
 * a person watches a terminal. Synchronous when pretty, so the last lines before an exit are shown.
 */
export function createLogger(level: string, stream: { isTTY?: boolean } = process.stdout): Logger {
  if (!stream.isTTY) return pino(loggerOptions(level));
  return pino(loggerOptions(level), pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
