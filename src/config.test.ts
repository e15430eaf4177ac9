import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

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
    [{ PORT: 'abc' }, /PORT: .*got "abc"/],
    [{ PORT: '70000' }, /PORT: /],
    [{ HUB_ROLE: 'web' }, /HUB_ROLE: .*"all" \| "gateway" \| "worker"|HUB_ROLE: Invalid option/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: expected a URL starting with postgres:\/\/ or postgresql:\/\/ \(got a value \(hidden\)\)/],
    [{ DATABASE_URL: 'postgres://x' }, /HUB_SECRET_KEY: required when DATABASE_URL is set/],
    [{ HUB_SECRET_KEY: 'tooshort' }, /HUB_SECRET_KEY: expected 32 bytes/],
    [{ HUB_BOOTSTRAP_API_KEY: 'short' }, /HUB_BOOTSTRAP_API_KEY: expected at least 24 characters/],
    [{ HUB_ROLE: 'worker' }, /HUB_ROLE: "worker" needs DATABASE_URL/],
    [{ HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' }, /HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: expected "true" or "false"/],
    [{ HUB_RATE_LIMIT_PUBLIC: 'lots' }, /HUB_RATE_LIMIT_PUBLIC: expected a whole number \(got "lots"\)/],
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

  it('never echoes a secret value in its message', () => {
    try {
      loadConfig({ HUB_SECRET_KEY: 'not-a-valid-key-but-secret' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('not-a-valid-key-but-secret');
    }
  });
});
