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

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
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
