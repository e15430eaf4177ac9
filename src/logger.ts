import type { LoggerOptions } from 'pino';

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

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
}
