import { z } from 'zod';

/** 0 asks the OS for a free port (tests). */
const port = z.coerce.number().int().min(0).max(65_535);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine((value) => value === undefined || protocols.some((protocol) => value.startsWith(protocol)), {
      message: `expected a URL starting with ${protocols.join(' or ')}`,
    });

/** HUB_SECRET_KEY: 32 random bytes, base64 or hex (e.g. `openssl rand -base64 32`). */
const secretKey = z
  .string()
  .optional()
  .transform((value, context) => {
    if (value === undefined || value === '') return undefined;
    const decoded = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
    if (decoded.length !== 32) {
      context.addIssue({ code: 'custom', message: 'expected 32 bytes encoded as base64 (openssl rand -base64 32) or 64 hex characters' });
      return z.NEVER;
    }
    return decoded;
  });

/** A whole number given as text; the message says what was expected instead of "received NaN". */
const count = z.coerce.number({ message: 'expected a whole number' }).int('expected a whole number').min(0);
const milliseconds = z.coerce.number({ message: 'expected a number of milliseconds' }).int('expected a whole number of milliseconds').min(100);

const schema = z
  .object({
    HUB_ROLE: z.enum(['all', 'gateway', 'worker']).default('all'),
    HUB_HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(3000),
    HUB_PUBLIC_URL: optionalUrl(['http://', 'https://']),
    HUB_DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: optionalUrl(['postgres://', 'postgresql://']),
    REDIS_URL: optionalUrl(['redis://', 'rediss://']),
    HUB_SECRET_KEY: secretKey,
    HUB_BOOTSTRAP_API_KEY: z
      .string()
      .optional()
      .refine((value) => value === undefined || value.length >= 24, { message: 'expected at least 24 characters (it is a credential)' })
      .refine((value) => value === undefined || value.length <= 256, { message: 'expected at most 256 characters (longer keys are not looked up)' }),
    HUB_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HUB_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
    HUB_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** Abuse limits (src/gateway/rate-limits.ts), per minute; 0 turns one off. */
    HUB_RATE_LIMIT_PER_KEY: count.default(60_000),
    HUB_RATE_LIMIT_AUTH_FAILURES: count.default(30),
    HUB_RATE_LIMIT_PUBLIC: count.default(6_000),
    HUB_TRUST_PROXY: z
      .string()
      .trim()
      .regex(/^(true|false|\d+|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/, 'expected "true", "false", a number of proxy hops, or proxy addresses/CIDRs separated by commas')
      .default('false'),
    /** HTTP server timeouts (a client that sends slowly, or less than its Content-Length, is cut off). */
    HUB_HEADERS_TIMEOUT_MS: milliseconds.default(10_000),
    HUB_REQUEST_TIMEOUT_MS: milliseconds.default(30_000),
    HUB_KEEP_ALIVE_TIMEOUT_MS: milliseconds.default(72_000),
    HUB_QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'expected 1 to 32 letters, digits, "_" or "-"').default('hub'),
    /** Lets tenants point every outbound connection (webhooks, Zapier hooks, connector hosts, SMPP/SMTP upstreams) at private addresses (src/net). */
    HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: z
      .enum(['true', 'false'], { message: 'expected "true" or "false"' })
      .default('false')
      .transform((value) => value === 'true'),
    /** SMPP server (docs/adobe-campaign.md): 2775 by default, 0 a free port (tests), "off" no listener. */
    HUB_SMPP_PORT: z.union([z.literal('off'), port]).default(2775),
    HUB_SMPP_TLS_PORT: port.optional(),
    HUB_SMPP_TLS_CERT: z.string().min(1).optional().describe('PEM certificate chain file for the SMPP TLS port'),
    HUB_SMPP_TLS_KEY: z.string().min(1).optional().describe('PEM private key file for the SMPP TLS port'),
  })
  .superRefine((env, context) => {
    // Node refuses a headers timeout longer than the request timeout (the headers are part of the request).
    if (env.HUB_HEADERS_TIMEOUT_MS > env.HUB_REQUEST_TIMEOUT_MS) {
      context.addIssue({ code: 'custom', path: ['HUB_HEADERS_TIMEOUT_MS'], message: `must not exceed HUB_REQUEST_TIMEOUT_MS (${env.HUB_REQUEST_TIMEOUT_MS})` });
    }
    if (env.HUB_SMPP_TLS_PORT !== undefined && (env.HUB_SMPP_TLS_CERT === undefined || env.HUB_SMPP_TLS_KEY === undefined)) {
      context.addIssue({ code: 'custom', path: ['HUB_SMPP_TLS_PORT'], message: 'needs HUB_SMPP_TLS_CERT and HUB_SMPP_TLS_KEY (PEM files)' });
    }
    // Several processes on PostgreSQL must decrypt each other's secrets: a key generated per process would not do.
    if (env.DATABASE_URL !== undefined && env.HUB_SECRET_KEY === undefined) {
      context.addIssue({ code: 'custom', path: ['HUB_SECRET_KEY'], message: 'required when DATABASE_URL is set (all processes must share one key)' });
    }
    if (env.HUB_ROLE !== 'all' && env.DATABASE_URL === undefined) {
      context.addIssue({ code: 'custom', path: ['HUB_ROLE'], message: `"${env.HUB_ROLE}" needs DATABASE_URL: the embedded store serves one process, which runs every role` });
    }
  });

export type HubRole = 'all' | 'gateway' | 'worker';

export interface HubConfig {
  role: HubRole;
  host: string;
  port: number;
  publicUrl: string;
  store: { databaseUrl: string } | { dataDir: string };
  /** Always set: even with PostgreSQL, small local files (the generated secret key) live here. */
  dataDir: string;
  redisUrl: string | undefined;
  secretKey: Buffer | undefined;
  bootstrapApiKey: string | undefined;
  logLevel: string;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** Requests per minute; 0 = no limit. Per API key; per client address on failed authentication and on public routes. */
  rateLimits: { perKey: number; authFailures: number; public: number };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For gives the client address the per-address limits use. */
  trustProxy: boolean | number | string;
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  /** Redis key prefix of the BullMQ queues, so several hubs can share one Redis. */
  queuePrefix: string;
  /** Outbound webhooks to loopback/private addresses are refused unless this is set (SSRF guard). */
  webhookAllowPrivateTargets: boolean;
  /** SMPP server: port undefined when HUB_SMPP_PORT=off; TLS when HUB_SMPP_TLS_PORT is set. */
  smpp: { host: string; port: number | undefined; tls: { port: number; certFile: string; keyFile: string } | undefined };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const trustProxyOf = (value: string): boolean | number | string => (value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value);

/** Reads and validates the environment; throws a ConfigError naming each wrong variable and what it expects. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      const given = env[variable];
      const shown = given === undefined ? 'unset' : /KEY|SECRET|PASSWORD|URL/.test(variable) ? 'a value (hidden)' : JSON.stringify(given);
      return `  ${variable}: ${issue.message} (got ${shown})`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const value = parsed.data;
  return {
    role: value.HUB_ROLE,
    host: value.HUB_HOST,
    port: value.PORT,
    publicUrl: (value.HUB_PUBLIC_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, ''),
    store: value.DATABASE_URL !== undefined ? { databaseUrl: value.DATABASE_URL } : { dataDir: value.HUB_DATA_DIR },
    dataDir: value.HUB_DATA_DIR,
    redisUrl: value.REDIS_URL,
    secretKey: value.HUB_SECRET_KEY,
    bootstrapApiKey: value.HUB_BOOTSTRAP_API_KEY,
    logLevel: value.HUB_LOG_LEVEL,
    bodyLimitBytes: value.HUB_BODY_LIMIT_BYTES,
    shutdownTimeoutMs: value.HUB_SHUTDOWN_TIMEOUT_MS,
    rateLimits: { perKey: value.HUB_RATE_LIMIT_PER_KEY, authFailures: value.HUB_RATE_LIMIT_AUTH_FAILURES, public: value.HUB_RATE_LIMIT_PUBLIC },
    trustProxy: trustProxyOf(value.HUB_TRUST_PROXY),
    timeouts: { headersMs: value.HUB_HEADERS_TIMEOUT_MS, requestMs: value.HUB_REQUEST_TIMEOUT_MS, keepAliveMs: value.HUB_KEEP_ALIVE_TIMEOUT_MS },
    queuePrefix: value.HUB_QUEUE_PREFIX,
    webhookAllowPrivateTargets: value.HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS,
    smpp: {
      host: value.HUB_HOST,
      port: value.HUB_SMPP_PORT === 'off' ? undefined : value.HUB_SMPP_PORT,
      tls:
        value.HUB_SMPP_TLS_PORT === undefined ? undefined : { port: value.HUB_SMPP_TLS_PORT, certFile: value.HUB_SMPP_TLS_CERT!, keyFile: value.HUB_SMPP_TLS_KEY! },
    },
  };
}
