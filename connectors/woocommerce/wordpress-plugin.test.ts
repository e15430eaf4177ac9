/**
 * The companion WordPress plugin (plugins/wordpress/connector-hub), checked inside `npm test`:
 * every PHP file passes `php -l`, its PHPUnit suite passes, and what its PHP code builds and signs
 * is what the hub accepts (PluginMessageSchema, verifySignature): one contract, checked from both sides.
 */
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/signatures/hub-signature.ts';
import { PluginMessageSchema } from './payloads.ts';

const run = promisify(execFile);
const PLUGIN = new URL('../../plugins/wordpress/connector-hub/', import.meta.url).pathname;

function phpFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'vendor' ? [] : phpFiles(path);
    return name.endsWith('.php') ? [path] : [];
  });
}

async function php(args: string[], cwd = PLUGIN): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('php', args, { cwd, timeout: 60_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('php is not installed: apt-get install -y php-cli phpunit (.ci/run installs them)', { cause: error });
    throw error;
  }
}

describe('WordPress plugin', () => {
  const files = phpFiles(PLUGIN);

  it('has its PHP files', () => {
    expect(files.map((file) => file.slice(PLUGIN.length)).sort()).toEqual(
      expect.arrayContaining(['connector-hub.php', 'uninstall.php', 'includes/class-connector-hub-payload.php', 'includes/class-connector-hub-signer.php', 'tests/PayloadTest.php']),
    );
  });

  it.each(files.map((file) => [file.slice(PLUGIN.length), file]))('php -l %s', async (_name, file) => {
    const { stdout } = await php(['-l', file]);
    expect(stdout).toContain('No syntax errors detected');
  });

  it('passes its PHPUnit suite', async () => {
    let output: string;
    try {
      output = (await run('phpunit', ['--colors=never'], { cwd: PLUGIN, timeout: 120_000 })).stdout;
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stdout?: string };
      if (failure.code === 'ENOENT') throw new Error('phpunit is not installed: apt-get install -y phpunit (.ci/run installs it)', { cause: error });
      throw new Error(`PHPUnit failed:\n${failure.stdout ?? failure.message}`, { cause: error });
    }
    expect(output).toMatch(/OK \(\d+ tests, \d+ assertions\)/);
  });

  it('builds and signs what the hub accepts', async () => {
    const script = `
      define('ABSPATH', __DIR__);
      require 'includes/class-connector-hub-signer.php';
      require 'includes/class-connector-hub-payload.php';
      $payload = Connector_Hub_Payload::cart_updated(array(
        'event_id' => 'e-1', 'cart_id' => Connector_Hub_Payload::cart_id('t_4f1c', 'salt'), 'updated_at' => time(),
        'customer' => Connector_Hub_Payload::customer(array('billing_email' => 'zoe@example.fr', 'billing_phone' => '06 23 45 67 89', 'billing_country' => 'FR')),
        'consent' => true, 'consent_text' => 'Oui aux SMS', 'consent_at' => time(), 'currency' => 'EUR', 'total' => 42,
        'lines' => Connector_Hub_Payload::lines(array(array('product_id' => 77, 'variation_id' => 0, 'name' => 'Bougie parfumée', 'quantity' => 1, 'line_total' => 35, 'line_tax' => 7))),
        'recovery_url' => 'https://boutique.example.fr/panier/?connector_hub_cart=x', 'version' => '1.0.0'));
      $body = Connector_Hub_Payload::to_json($payload);
      echo json_encode(array('body' => $body, 'signature' => Connector_Hub_Signer::sign($body, 'the-installation-plugin-secret', time())));
    `;
    const { stdout } = await php(['-r', script]);
    const { body, signature } = JSON.parse(stdout) as { body: string; signature: string };
    expect(verifySignature('the-installation-plugin-secret', body, signature)).toMatchObject({ ok: true });
    expect(verifySignature('another-secret', body, signature)).toMatchObject({ ok: false, reason: 'mismatch' });
    const parsed = PluginMessageSchema.safeParse(JSON.parse(body));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toMatchObject({ type: 'cart.updated', total: 42, lines: [{ productId: '77', name: 'Bougie parfumée', quantity: 1, total: 42 }], consent: { sms: true } });
  });
});
