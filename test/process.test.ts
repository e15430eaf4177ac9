import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, type RunningProcess } from './support/processes.ts';

const run = promisify(execFile);
const MAIN = new URL('../src/main.ts', import.meta.url).pathname;
const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

async function runNode(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the hub process and its CLI', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  const running: RunningProcess[] = [];
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-process-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const process of running) await process.stop('SIGKILL');
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('refuses a wrong configuration with a message naming the variable', async () => {
    const result = await runNode(MAIN, [], { PORT: 'eighty', HUB_DATA_DIR: await dataDir() });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PORT: ');
    expect(result.stderr).toContain('got "eighty"');
  });

  it('a port in use ends the start with one line naming the port and its variable, for HTTP and SMPP alike', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const busy = String((taken.address() as { port: number }).port);
    try {
      for (const [variable, env] of [
        ['PORT', { PORT: busy, HUB_SMPP_PORT: 'off' }],
        ['HUB_SMPP_PORT', { PORT: String(await freePort()), HUB_SMPP_PORT: busy }],
      ] as const) {
        const result = await runNode(MAIN, [], { ...env, HUB_HOST: '127.0.0.1', HUB_DATA_DIR: await dataDir() });
        expect(result.code).toBe(78);
        expect(result.stderr.trim()).toBe(
          `Cannot listen on 127.0.0.1:${busy} (${variable}): the port is already in use. Stop the other process or choose another port with ${variable}=<port>.`,
        );
      }
    } finally {
      taken.close();
    }
  });

  it('a first start on an empty store prints a setup link and how to get a key, and warns about misspelled HUB_ variables', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    // The taken port ends the run right after the start-up lines, so the test need not stop a hub.
    const result = await runNode(MAIN, [], {
      PORT: String((taken.address() as { port: number }).port),
      HUB_HOST: '127.0.0.1',
      HUB_SMPP_PORT: 'off',
      HUB_DATA_DIR: await dataDir(),
      HUB_LOG_LEVE: 'debug',
    });
    taken.close();
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/^HUB_LOG_LEVE is not a hub variable and is ignored \(did you mean HUB_LOG_LEVEL\?\)/) }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('npm run hub -- tenants create') }));
    const setup = lines.find((line) => line.msg.startsWith('No user account yet'))?.msg;
    expect(setup).toMatch(/Setup link: http:\/\/localhost:\d+\/console\/setup\?token=[0-9A-Za-z]{43} /);
    expect(setup).toContain('HUB_BOOTSTRAP_API_KEY');
  });

  it('creates a tenant and key from the CLI, which the started hub accepts; neither the CLI nor a second hub can share its data folder', async () => {
    const dir = await dataDir();
    const created = await runNode(CLI, ['tenants', 'create', 'Boutique Lumière'], { HUB_DATA_DIR: dir });
    expect(created.code).toBe(0);
    const key = /API key \(shown once, store it now\): (hub_\w+)/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    const listed = await runNode(CLI, ['tenants', 'list'], { HUB_DATA_DIR: dir });
    expect(listed.stdout).toContain('Boutique Lumière');
    expect(listed.stdout).not.toContain(key);

    const hub = await startProcess(MAIN, { HUB_DATA_DIR: dir, HUB_LOG_LEVEL: 'warn' }, await freePort());
    running.push(hub);
    const me = await fetch(`${hub.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(await me.json()).toMatchObject({ tenantName: 'Boutique Lumière' });

    const whileRunning = await runNode(CLI, ['tenants', 'list'], { HUB_DATA_DIR: dir });
    expect(whileRunning.code).toBe(1);
    expect(whileRunning.stderr).toContain('locked by the running hub');

    const second = await runNode(MAIN, [], { HUB_DATA_DIR: dir, PORT: String(await freePort()) });
    expect(second.code).toBe(78);
    expect(second.stderr).toContain('Another hub process is already using the data folder');

    await hub.stop('SIGTERM');
    expect(hub.child.exitCode).toBe(0);
  });

  it('HUB_BOOTSTRAP_API_KEY creates the default tenant on the first start only', async () => {
    const dir = await dataDir();
    const key = `boot_${randomBytes(16).toString('hex')}`;
    for (let start = 0; start < 2; start += 1) {
      const hub = await startProcess(MAIN, { HUB_DATA_DIR: dir, HUB_BOOTSTRAP_API_KEY: key, HUB_LOG_LEVEL: 'warn' }, await freePort());
      running.push(hub);
      const me = await fetch(`${hub.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(await me.json()).toMatchObject({ tenantName: 'default' });
      await hub.stop('SIGTERM');
    }
    const tenants = await runNode(CLI, ['tenants', 'list'], { HUB_DATA_DIR: dir });
    expect(tenants.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('finishes an in-flight request on SIGTERM before exiting', async () => {
    const dir = await dataDir();
    const key = `boot_${randomBytes(16).toString('hex')}`;
    const hub = await startProcess(MAIN, { HUB_DATA_DIR: dir, HUB_BOOTSTRAP_API_KEY: key, HUB_LOG_LEVEL: 'warn' }, await freePort());
    running.push(hub);
    const inFlight = Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        fetch(`${hub.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'custom.shutdown', dedupeKey: `s-${index}`, data: {} }),
        }).then((response) => response.status, () => 'refused'),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = hub.stop('SIGTERM');
    const statuses = await inFlight;
    await exited;
    expect(hub.child.exitCode).toBe(0);
    // Each request either completed (201) or was never accepted; none was cut off with a 5xx.
    expect(statuses.every((status) => status === 201 || status === 'refused' || status === 503)).toBe(true);
  });
});
