import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/stores.ts';
import { freePort, startProcess, type RunningProcess } from './support/processes.ts';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;
const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;
const run = promisify(execFile);

interface Readiness {
  status: string;
  checks: Record<string, string>;
  details?: { workers?: { alive: number; lastHeartbeatAt: string | null } };
}

async function readyz(process: RunningProcess): Promise<{ code: number; body: Readiness }> {
  const response = await fetch(`${process.url}/readyz`);
  return { code: response.status, body: (await response.json()) as Readiness };
}

/** Split roles on PostgreSQL (the store queue: the heartbeats live in the database either way). */
describe('health of every role, and the workers seen from a gateway', { timeout: 120_000 }, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  const running: RunningProcess[] = [];
  const start = async (extra: Record<string, string>) => {
    const started = await startProcess(MAIN, { ...env, ...extra }, await freePort());
    running.push(started);
    return started;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, HUB_SECRET_KEY: randomBytes(32).toString('base64'), HUB_LOG_LEVEL: 'warn', HUB_PUBLIC_URL: 'https://hub.example.com' };
  });
  afterAll(async () => {
    for (const process of running) await process.stop('SIGKILL');
    await database?.drop();
  });

  let gateway: RunningProcess;

  it('a gateway reports no worker (degraded, still 200), then the worker that starts, and none again once it stops', async () => {
    gateway = await start({ HUB_ROLE: 'gateway' });
    const alone = await readyz(gateway);
    expect(alone.code).toBe(200);
    expect(alone.body.status).toBe('degraded');
    expect(alone.body.checks).toMatchObject({ store: 'ok', queue: 'ok' });
    expect(alone.body.checks.workers).toMatch(/^no worker alive in the last 15 s/);
    expect(alone.body.details?.workers).toEqual({ alive: 0, lastHeartbeatAt: null });

    const worker = await start({ HUB_ROLE: 'worker' });
    const workerReady = await readyz(worker);
    expect(workerReady).toEqual({ code: 200, body: { status: 'ready', checks: { store: 'ok', queue: 'ok' } } });
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    // A worker's listener serves health only, never the API.
    expect((await fetch(`${worker.url}/v1/me`)).status).toBe(404);

    const withWorker = await readyz(gateway);
    expect(withWorker.code).toBe(200);
    expect(withWorker.body.status).toBe('ready');
    expect(withWorker.body.checks.workers).toBe('ok');
    expect(withWorker.body.details?.workers?.alive).toBe(1);
    expect(Date.now() - Date.parse(withWorker.body.details!.workers!.lastHeartbeatAt!)).toBeLessThan(60_000);

    await worker.stop('SIGTERM');
    const gone = await readyz(gateway);
    expect(gone.body.status).toBe('degraded');
    expect(gone.body.details?.workers?.alive).toBe(0);
    expect(gone.body.details?.workers?.lastHeartbeatAt).toBeNull();
  });

  it('an `all` process counts itself as a worker', async () => {
    const all = await start({ HUB_ROLE: 'all' });
    const { code, body } = await readyz(all);
    expect(code).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.details?.workers?.alive).toBe(1);
  });

  it('HUB_PUBLIC_URL is recorded by the first process: a different one is refused naming both, an unset one adopts it', async () => {
    const refused = await run(process.execPath, [MAIN], {
      env: { ...process.env, ...env, HUB_ROLE: 'worker', HUB_PUBLIC_URL: 'https://elsewhere.example.com', PORT: String(await freePort()), HUB_HOST: '127.0.0.1' },
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused.code).toBe(78);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('HUB_PUBLIC_URL is "https://elsewhere.example.com" here but "https://hub.example.com" on the 2 running process(es)');

    const { HUB_PUBLIC_URL: _unset, ...withoutUrl } = env;
    const adopting = await startProcess(MAIN, { ...withoutUrl, HUB_ROLE: 'gateway' }, await freePort());
    running.push(adopting);
    const openapi = (await (await fetch(`${adopting.url}/docs/json`)).json()) as { servers: { url: string }[] };
    expect(openapi.servers.map((server) => server.url)).toEqual(['/', 'https://hub.example.com']);
  });

  it('`hub migrate` (compose.yaml\'s one-shot step) applies every migration to an empty database and exits', async () => {
    const empty = await createTestDatabase();
    try {
      const { stdout } = await run(process.execPath, [CLI, 'migrate'], { env: { ...process.env, ...env, DATABASE_URL: empty.url }, timeout: 60_000 });
      expect(stdout.trim()).toBe('Migrations applied.');
      const client = new pg.Client({ connectionString: empty.url });
      await client.connect();
      const { rows } = await client.query<{ tables: number }>("SELECT count(*)::int AS tables FROM information_schema.tables WHERE table_name IN ('hub_processes', 'hub_settings', 'events')");
      await client.end();
      expect(rows[0]!.tables).toBe(3);
    } finally {
      await empty.drop();
    }
  });

  it('a killed worker (no graceful stop) stops counting once its heartbeat is 15 s old', async () => {
    // The `all` process of an earlier test runs jobs too, so it counts: compare with it.
    const before = (await readyz(gateway)).body.details!.workers!.alive;
    const worker = await start({ HUB_ROLE: 'worker' });
    expect((await readyz(gateway)).body.details?.workers?.alive).toBe(before + 1);
    await worker.stop('SIGKILL');
    const killedAt = Date.now();
    let report = await readyz(gateway);
    while (report.body.details?.workers?.alive !== before && Date.now() - killedAt < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      report = await readyz(gateway);
    }
    expect(report.body.details?.workers?.alive).toBe(before);
  });
});
