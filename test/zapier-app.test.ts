import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/hub.ts';

const pluginDir = fileURLToPath(new URL('../plugins/zapier/', import.meta.url));

/**
 * The Zapier app (plugins/zapier, its own package: `npm ci --prefix plugins/zapier` installs it) runs
 * its node:test suite against this hub over HTTP; nothing is installed here.
 */
describe('the Zapier app (plugins/zapier) against a live hub', () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await startTestHub('embedded', { HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    // Seconds instead of hours, so the app's retry tests finish; Retry-After stays honoured (capped at 1 h).
    t.hub.zapier.tune({ retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 200 }, timeoutMs: 2_000 });
    const sandbox = await t.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 20 } } });
    expect(sandbox.status).toBe(200);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('passes its own tests', async () => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', 'test/*.test.js'], {
      cwd: pluginDir,
      env: { ...process.env, HUB_URL: t.url, HUB_API_KEY: t.apiKey, NODE_ENV: 'test' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) console.error(output);
    expect(output).toMatch(/ℹ fail 0/);
    expect(code).toBe(0);
  }, 120_000);
});
