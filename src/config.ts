import { z } from 'zod';

/**
 * Environment values are strings: each reader says in words what it expects, so a wrong value
 * reads "PORT: expected a port number from 0 to 65535 (got "abc")" rather than zod's "Invalid input".
 */
const wholeNumber = (min: number, max: number, expected = `a whole number from ${min} to ${max}`) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, `expected ${expected}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `expected ${expected}`);
/** 0 asks the OS for a free port (tests). */
const port = wholeNumber(0, 65_535, 'a port number from 0 to 65535');
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `expected one of ${values.map((value) => `"${value}"`).join(', ')}` });
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

const perMinute = wholeNumber(0, 1_000_000_000, 'a whole number of requests per minute (0 = no limit)');
const milliseconds = wholeNumber(100, 3_600_000, 'a number of milliseconds from 100 to 3600000');

const schema = z
  .object({
    HUB_ROLE: oneOf(['all', 'gateway', 'worker']).default('all'),
    HUB_HOST: z.string().min(1).default('0.0.0.0'),
    PORT: port.default(3000),
    /** A worker's /healthz and /readyz listener (a worker serves no API); PORT when unset. */
    HUB_HEALTH_PORT: port.optional(),
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
    HUB_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HUB_BODY_LIMIT_BYTES: wholeNumber(1024, 50 * 1024 * 1024, 'a number of bytes from 1024 to 52428800').default(1024 * 1024),
    HUB_SHUTDOWN_TIMEOUT_MS: wholeNumber(0, 3_600_000, 'a number of milliseconds from 0 to 3600000').default(10_000),
    /** Abuse limits (src/gateway/rate-limits.ts), per minute; 0 turns one off. */
    HUB_RATE_LIMIT_PER_KEY: perMinute.default(60_000),
    HUB_RATE_LIMIT_AUTH_FAILURES: perMinute.default(30),
    HUB_RATE_LIMIT_PUBLIC: perMinute.default(6_000),
    HUB_RATE_LIMIT_SIGN_IN: perMinute.default(10),
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
    HUB_SMPP_PORT: z
      .union([z.literal('off'), port], { message: 'expected a port number from 0 to 65535, or "off"' })
      .default(2775),
    HUB_SMPP_TLS_PORT: port.optional(),
    HUB_SMPP_TLS_CERT: z.string().min(1).optional().describe('PEM certificate chain file for the SMPP TLS port'),
    HUB_SMPP_TLS_KEY: z.string().min(1).optional().describe('PEM private key file for the SMPP TLS port'),
  })
  .superRefine((env, context) => {
    // Node refuses a headers timeout longer than the request timeout (the headers are part of the request).
    if (env.HUB_HEADERS_TIMEOUT_MS > env.HUB_REQUEST_TIMEOUT_MS) {
      context.addIssue({ code: 'custom', path: ['HUB_HEADERS_TIMEOUT_MS'], message: `must not exceed HUB_REQUEST_TIMEOUT_MS (${env.HUB_REQUEST_TIMEOUT_MS})` });
    }
    // Two listeners on one port would fail at start with EADDRINUSE from the second, naming neither variable.
    const listeners = [['PORT', env.PORT], ['HUB_SMPP_PORT', env.HUB_SMPP_PORT], ['HUB_SMPP_TLS_PORT', env.HUB_SMPP_TLS_PORT]] as const;
    listeners.forEach(([variable, value], index) => {
      const earlier = listeners.slice(0, index).find(([, other]) => typeof value === 'number' && value !== 0 && other === value);
      if (earlier) context.addIssue({ code: 'custom', path: [variable], message: `must differ from ${earlier[0]} (both are ${value})` });
    });
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
  /** The worker role's health listener (/healthz, /readyz); gateways answer those on `port`. */
  healthPort: number;
  publicUrl: string;
  /** Whether HUB_PUBLIC_URL was set (false: the localhost default, which a PostgreSQL hub's recorded URL replaces). */
  publicUrlExplicit: boolean;
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
  rateLimits: { perKey: number; authFailures: number; public: number; signInFailures: number };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For gives the client address the per-address limits use. */
  trustProxy: boolean | number | string;
  timeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
  /** Redis key prefix of the BullMQ queues, so several hubs can share one Redis. */
  queuePrefix: string;
  /** Outbound webhooks to loopback/private addresses are refused unless this is set (SSRF guard). */
  webhookAllowPrivateTargets: boolean;
  /** SMPP server: port undefined when HUB_SMPP_PORT=off; TLS when HUB_SMPP_TLS_PORT is set. */
  smpp: { host: string; port: number | undefined; tls: { port: number; certFile: string; keyFile: string } | undefined };
  /** OAuth clients of OAuth connectors, by connector id: HUB_OAUTH_<CONNECTOR>_CLIENT_ID / _CLIENT_SECRET (`google-calendar` → GOOGLE_CALENDAR). */
  oauthClients: Record<string, { clientId: string; clientSecret: string }>;
}

/** HUB_OAUTH_<CONNECTOR>_CLIENT_ID and _CLIENT_SECRET: one pair per OAuth connector, named after its id. */
const OAUTH_CLIENT_VARIABLE = /^HUB_OAUTH_([A-Z0-9]+(?:_[A-Z0-9]+)*)_CLIENT_(ID|SECRET)$/;

function oauthClientsOf(env: Record<string, string | undefined>): { clients: HubConfig['oauthClients']; problems: string[] } {
  const clients: HubConfig['oauthClients'] = {};
  const problems: string[] = [];
  const names = new Set(Object.keys(env).map((name) => OAUTH_CLIENT_VARIABLE.exec(name)?.[1]).filter((name) => name !== undefined));
  for (const name of names) {
    const clientId = env[`HUB_OAUTH_${name}_CLIENT_ID`];
    const clientSecret = env[`HUB_OAUTH_${name}_CLIENT_SECRET`];
    if (!clientId || !clientSecret) {
      problems.push(`  HUB_OAUTH_${name}_CLIENT_${clientId ? 'SECRET' : 'ID'}: required with HUB_OAUTH_${name}_CLIENT_${clientId ? 'ID' : 'SECRET'} (the OAuth client of the ${name.toLowerCase().replace(/_/g, '-')} connector) (got unset)`);
      continue;
    }
    clients[name.toLowerCase().replace(/_/g, '-')] = { clientId, clientSecret };
  }
  return { clients, problems };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const trustProxyOf = (value: string): boolean | number | string => (value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value);

const KNOWN_VARIABLES: readonly string[] = Object.keys(schema.shape);

/**
 * `HUB_*` names the hub does not read: a misspelled variable would otherwise be silently ignored
 * and its default used. One line per name, with the closest known name when it is a likely typo.
 */
export function unknownHubVariables(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('HUB_') && !KNOWN_VARIABLES.includes(name) && !OAUTH_CLIENT_VARIABLE.test(name))
    .sort()
    .map((name) => {
      const closest = closestName(name, KNOWN_VARIABLES);
      return `${name} is not a hub variable and is ignored${closest ? ` (did you mean ${closest}?)` : ''}; the variables are listed in README.md.`;
    });
}

function closestName(name: string, candidates: readonly string[]): string | undefined {
  const unprefixed = name.slice('HUB_'.length); // HUB_PORT for PORT, HUB_DATABASE_URL for DATABASE_URL
  if (candidates.includes(unprefixed)) return unprefixed;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  // A third of the name at most: HUB_SMPP_PROT is a typo of HUB_SMPP_PORT, HUB_FOO is no typo of HUB_ROLE.
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.candidate : undefined;
}

/** Levenshtein distance (insert, delete, substitute), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Reads and validates the environment; throws a ConfigError naming each wrong variable and what it expects. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): HubConfig {
  // `PORT=` in a compose file or a shell means "not set", not "0" (a random port) nor an invalid value.
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(env);
  const oauth = oauthClientsOf(env);
  if (!parsed.success || oauth.problems.length > 0) {
    const lines = (parsed.error?.issues ?? []).map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      const given = env[variable];
      const shown = given === undefined ? 'unset' : /KEY|SECRET|PASSWORD|URL/.test(variable) ? 'a value (hidden)' : JSON.stringify(given);
      return `  ${variable}: ${issue.message} (got ${shown})`;
    });
    throw new ConfigError(`Invalid configuration:\n${[...lines, ...oauth.problems].join('\n')}`);
  }
  const value = parsed.data;
  return {
    role: value.HUB_ROLE,
    host: value.HUB_HOST,
    port: value.PORT,
    healthPort: value.HUB_HEALTH_PORT ?? value.PORT,
    publicUrl: (value.HUB_PUBLIC_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, ''),
    publicUrlExplicit: value.HUB_PUBLIC_URL !== undefined,
    store: value.DATABASE_URL !== undefined ? { databaseUrl: value.DATABASE_URL } : { dataDir: value.HUB_DATA_DIR },
    dataDir: value.HUB_DATA_DIR,
    redisUrl: value.REDIS_URL,
    secretKey: value.HUB_SECRET_KEY,
    bootstrapApiKey: value.HUB_BOOTSTRAP_API_KEY,
    logLevel: value.HUB_LOG_LEVEL,
    bodyLimitBytes: value.HUB_BODY_LIMIT_BYTES,
    shutdownTimeoutMs: value.HUB_SHUTDOWN_TIMEOUT_MS,
    rateLimits: { perKey: value.HUB_RATE_LIMIT_PER_KEY, authFailures: value.HUB_RATE_LIMIT_AUTH_FAILURES, public: value.HUB_RATE_LIMIT_PUBLIC, signInFailures: value.HUB_RATE_LIMIT_SIGN_IN },
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
    oauthClients: oauth.clients,
  };
}
