import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, dropRedisPrefix, TEST_REDIS_URL } from './stores.ts';

export type CrashTestMode = 'embedded' | 'postgres+redis';

export interface FreshHubEnv {
  env: Record<string, string>;
  apiKey: string;
  dataDir: string;
  databaseUrl: string | undefined;
}

/**
 * The environment of a hub child process on a fresh store, for the SIGKILL tests: a temporary data
 * folder and a bootstrap API key; for postgres+redis also a fresh database, a secret key and a queue
 * prefix of its own. What to remove afterwards is pushed on `cleanups`.
 */
export async function freshHubEnv(mode: CrashTestMode, cleanups: (() => Promise<unknown>)[], extra: Record<string, string> = {}): Promise<FreshHubEnv> {
  const apiKey = `hub_kill9_${randomBytes(16).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-kill9-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = { HUB_DATA_DIR: dataDir, HUB_BOOTSTRAP_API_KEY: apiKey, HUB_LOG_LEVEL: 'error', ...extra };
  if (mode === 'embedded') return { env, apiKey, dataDir, databaseUrl: undefined };
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const queuePrefix = `k9${randomBytes(4).toString('hex')}`;
  cleanups.push(() => dropRedisPrefix(queuePrefix));
  Object.assign(env, { DATABASE_URL: database.url, HUB_SECRET_KEY: randomBytes(32).toString('base64'), REDIS_URL: TEST_REDIS_URL, HUB_QUEUE_PREFIX: queuePrefix });
  return { env, apiKey, dataDir, databaseUrl: database.url };
}
