import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/hub.ts';

const pluginDir = fileURLToPath(new URL('../plugins/zapier/', import.meta.url));

const repositoryRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * The Zapier app (plugins/zapier, its own package and lockfile) runs its node:test suite against
 * this hub over HTTP. Its dependencies are installed first when missing (`npm run zapier:install`,
 * which `npm test` also runs as pretest), so this file alone works on a clean clone.
 */
describe('the Zapier app (plugins/zapier) against a live hub', () => {
  let t: TestHub;
  let tenant: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', '-s', 'zapier:install'], { cwd: repositoryRoot, timeout: 280_000 }).catch((error: { stderr?: string }) => {
      throw new Error(`Installing the Zapier app's dependencies (npm run zapier:install) failed: ${error.stderr ?? String(error)}`);
    });
    t = await startTestHub('embedded', { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    // Seconds instead of hours, so the app's retry tests finish; Retry-After stays honoured (capped at 1 h).
    t.hub.zapier.tune({ retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 200 }, timeoutMs: 2_000 });
    // A tenant of its own, named unlike the harness's: the app's tests must not depend on the name.
    tenant = await t.createTenant('Boutique Élise');
    const sandbox = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } }, apiKey: tenant.apiKey });
    expect(sandbox.status).toBe(200);
  }, 300_000); // a first `npm ci` of the app downloads its packages

  afterAll(async () => {
    await t?.close();
  });

  it('passes its own tests', async () => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', 'test/*.test.js'], {
      cwd: pluginDir,
      env: { ...process.env, HUB_URL: t.url, HUB_API_KEY: tenant.apiKey, NODE_ENV: 'test' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) console.error(output);
    expect(output).toMatch(/ℹ fail 0/);
    expect(code).toBe(0);
    // The app's tests unsubscribe every hook they made: none is left pointing at their closed receiver.
    expect((await t.api('/v1/zapier/hooks', { apiKey: tenant.apiKey })).body).toEqual([]);
  }, 120_000);
});
