import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, unknownHubVariables } from './config.ts';

describe('loadConfig', () => {
  it('runs embedded with no variables at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ role: 'all', port: 3000, store: { dataDir: './data' }, redisUrl: undefined, publicUrl: 'http://localhost:3000' });
  });

  it('switches to PostgreSQL and Redis when their URLs are set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://hub@db/hub', REDIS_URL: 'redis://cache:6379', HUB_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(config.store).toEqual({ databaseUrl: 'postgres://hub@db/hub' });
    expect(config.redisUrl).toBe('redis://cache:6379');
    expect(config.secretKey?.length).toBe(32);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT: expected a port number from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT: expected a port number from 0 to 65535 (got "70000")'],
    [{ PORT: '80.5' }, 'PORT: expected a port number from 0 to 65535 (got "80.5")'],
    [{ HUB_SMPP_PORT: 'no' }, 'HUB_SMPP_PORT: expected a port number from 0 to 65535, or "off" (got "no")'],
    [{ HUB_SMPP_TLS_PORT: '-1', HUB_SMPP_TLS_CERT: 'c.pem', HUB_SMPP_TLS_KEY: 'k.pem' }, 'HUB_SMPP_TLS_PORT: expected a port number from 0 to 65535 (got "-1")'],
    [{ HUB_SMPP_PORT: '3000' }, 'HUB_SMPP_PORT: must differ from PORT (both are 3000) (got "3000")'],
    [{ HUB_SMPP_TLS_PORT: '2775', HUB_SMPP_TLS_CERT: 'c.pem', HUB_SMPP_TLS_KEY: 'k.pem' }, 'HUB_SMPP_TLS_PORT: must differ from HUB_SMPP_PORT (both are 2775)'],
    [{ HUB_ROLE: 'web' }, 'HUB_ROLE: expected one of "all", "gateway", "worker" (got "web")'],
    [{ HUB_LOG_LEVEL: 'verbose' }, 'HUB_LOG_LEVEL: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got "verbose")'],
    [{ HUB_BODY_LIMIT_BYTES: '1mb' }, 'HUB_BODY_LIMIT_BYTES: expected a number of bytes from 1024 to 52428800 (got "1mb")'],
    [{ HUB_BODY_LIMIT_BYTES: '10' }, 'HUB_BODY_LIMIT_BYTES: expected a number of bytes from 1024 to 52428800 (got "10")'],
    [{ HUB_SHUTDOWN_TIMEOUT_MS: '5s' }, 'HUB_SHUTDOWN_TIMEOUT_MS: expected a number of milliseconds from 0 to 3600000 (got "5s")'],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: expected a URL starting with postgres:\/\/ or postgresql:\/\/ \(got a value \(hidden\)\)/],
    [{ DATABASE_URL: 'postgres://x' }, /HUB_SECRET_KEY: required when DATABASE_URL is set/],
    [{ HUB_SECRET_KEY: 'tooshort' }, /HUB_SECRET_KEY: expected 32 bytes/],
    [{ HUB_BOOTSTRAP_API_KEY: 'short' }, /HUB_BOOTSTRAP_API_KEY: expected at least 24 characters/],
    [{ HUB_ROLE: 'worker' }, /HUB_ROLE: "worker" needs DATABASE_URL/],
    [{ HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' }, /HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: expected "true" or "false"/],
    [{ HUB_RATE_LIMIT_PUBLIC: 'lots' }, /HUB_RATE_LIMIT_PUBLIC: expected a whole number of requests per minute \(0 = no limit\) \(got "lots"\)/],
    [{ HUB_REQUEST_TIMEOUT_MS: '5000', HUB_HEADERS_TIMEOUT_MS: '8000' }, /HUB_HEADERS_TIMEOUT_MS: must not exceed HUB_REQUEST_TIMEOUT_MS/],
    [{ HUB_TRUST_PROXY: 'yes please' }, /HUB_TRUST_PROXY: expected "true", "false", a number of proxy hops/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the abuse limits, proxy trust and server timeouts', () => {
    expect(loadConfig({})).toMatchObject({
      rateLimits: { perKey: 60_000, authFailures: 30, public: 6_000 },
      trustProxy: false,
      timeouts: { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 72_000 },
    });
    const tuned = loadConfig({ HUB_RATE_LIMIT_PUBLIC: '0', HUB_TRUST_PROXY: '2', HUB_REQUEST_TIMEOUT_MS: '2000', HUB_HEADERS_TIMEOUT_MS: '1000' });
    expect(tuned).toMatchObject({ rateLimits: { public: 0 }, trustProxy: 2, timeouts: { headersMs: 1000, requestMs: 2000 } });
    expect(loadConfig({ HUB_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
  });

  it('reads the OAuth clients of OAuth connectors, each as a pair, and does not warn about their names', () => {
    const env = { HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID: '123-abc.apps.googleusercontent.com', HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_SECRET: 'GOCSPX-secret', HUB_OAUTH_SALESFORCE_CLIENT_ID: '3MVG9', HUB_OAUTH_SALESFORCE_CLIENT_SECRET: 'sf' };
    expect(loadConfig(env).oauthClients).toEqual({
      'google-calendar': { clientId: '123-abc.apps.googleusercontent.com', clientSecret: 'GOCSPX-secret' },
      salesforce: { clientId: '3MVG9', clientSecret: 'sf' },
    });
    expect(unknownHubVariables(env)).toEqual([]);
    expect(loadConfig({}).oauthClients).toEqual({});
    expect(() => loadConfig({ HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID: 'x' })).toThrow(
      'HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_SECRET: required with HUB_OAUTH_GOOGLE_CALENDAR_CLIENT_ID (the OAuth client of the google-calendar connector) (got unset)',
    );
    expect(() => loadConfig({ HUB_OAUTH_SALESFORCE_CLIENT_SECRET: 'x' })).toThrow('HUB_OAUTH_SALESFORCE_CLIENT_ID: required with HUB_OAUTH_SALESFORCE_CLIENT_SECRET');
  });

  it('reads an empty variable as unset, not as 0 or a wrong value', () => {
    expect(loadConfig({ PORT: '', HUB_SMPP_PORT: '', HUB_ROLE: '' })).toMatchObject({ port: 3000, role: 'all', smpp: { port: 2775 } });
  });

  it('names every wrong variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', HUB_SMPP_PORT: 'no' })).toThrow(/PORT: .*\n.*HUB_SMPP_PORT: /);
  });

  it('warns about HUB_ names it does not read, with the likely intended name', () => {
    expect(unknownHubVariables({ HUB_SMPP_PROT: '2776', HUB_PORT: '80', HUB_FOO: 'x', HUB_ROLE: 'all', PORT: '1', HOME: '/root' })).toEqual([
      'HUB_FOO is not a hub variable and is ignored; the variables are listed in README.md.',
      'HUB_PORT is not a hub variable and is ignored (did you mean PORT?); the variables are listed in README.md.',
      'HUB_SMPP_PROT is not a hub variable and is ignored (did you mean HUB_SMPP_PORT?); the variables are listed in README.md.',
    ]);
    expect(unknownHubVariables({ HUB_LOG_LEVEL: 'info', HUB_SMPP_TLS_KEY: 'k' })).toEqual([]);
  });

  it('never echoes a secret value in its message', () => {
    try {
      loadConfig({ HUB_SECRET_KEY: 'not-a-valid-key-but-secret' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('not-a-valid-key-but-secret');
    }
  });
});
