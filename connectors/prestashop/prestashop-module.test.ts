/**
 * The PrestaShop module (plugins/prestashop/connectorhub), checked inside `npm test`: every PHP file
 * passes `php -l`, its PHPUnit suite passes, what its PHP code builds and signs is verified by the
 * hub's own signature code (the known vector of PAYLOAD.md included), and the zip the npm script
 * builds has the module folder at its top with every file intact.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { computeSignature, verifySignature } from '../../src/signatures/hub-signature.ts';
import { buildZip, MODULE_DIR } from '../../plugins/prestashop/build-zip.ts';
import { unzip } from '../../test/support/unzip.ts';

const run = promisify(execFile);
const ROOT = new URL('../../plugins/prestashop/', import.meta.url).pathname;

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

async function php(args: string[], cwd = ROOT): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('php', args, { cwd, timeout: 60_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('php is not installed: apt-get install -y php-cli php-curl php-sqlite3 phpunit (.ci/run installs them)', { cause: error });
    throw error;
  }
}

describe('PrestaShop module', () => {
  const files = allFiles(ROOT).filter((file) => file.endsWith('.php'));

  it('has its PHP files', () => {
    expect(files.map((file) => relative(ROOT, file)).sort()).toEqual(
      expect.arrayContaining(['connectorhub/connectorhub.php', 'connectorhub/controllers/front/cron.php', 'connectorhub/classes/ConnectorHubSigner.php', 'connectorhub/classes/ConnectorHubOutbox.php', 'connectorhub/translations/fr.php', 'tests/OutboxTest.php', 'tests/CompatibilityTest.php']),
    );
  });

  it.each(files.map((file) => [relative(ROOT, file), file]))('php -l %s', async (_name, file) => {
    const { stdout } = await php(['-l', file]);
    expect(stdout).toContain('No syntax errors detected');
  });

  it('passes its PHPUnit suite', async () => {
    let output: string;
    try {
      output = (await run('phpunit', ['--colors=never'], { cwd: ROOT, timeout: 120_000 })).stdout;
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stdout?: string };
      if (failure.code === 'ENOENT') throw new Error('phpunit is not installed: apt-get install -y phpunit (.ci/run installs it)', { cause: error });
      throw new Error(`PHPUnit failed:\n${failure.stdout ?? failure.message}`, { cause: error });
    }
    expect(output).toMatch(/OK \(\d+ tests, \d+ assertions\)/);
  });

  it('signs the known vector of PAYLOAD.md as the hub computes it', () => {
    const body = '{"type":"module.ping","id":"0b6f2a4e-8c1d-4f3a-9e2b-5d7c6a1f0e93","occurredAt":"2023-11-14T22:13:20+00:00","shop":{"id":1,"name":"Bougies & Co","url":"https://boutique.example.fr/"},"module":{"version":"1.0.0","prestashop":"8.1.7"},"data":{}}';
    expect(computeSignature('S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42', body, 1700000000)).toBe('19afe313b2fe898eb2e32c79514855ae3b0447893b05814b356855cb36e31ac6');
    expect(readFileSync(join(ROOT, 'PAYLOAD.md'), 'utf8')).toContain('19afe313b2fe898eb2e32c79514855ae3b0447893b05814b356855cb36e31ac6');
  });

  it('builds and signs what the hub verifies', async () => {
    const script = `
      define('_PS_VERSION_', '8.1.7');
      foreach (array('Signer', 'Payload') as $c) { require 'connectorhub/classes/ConnectorHub' . $c . '.php'; }
      $data = ConnectorHubPayload::stock(array('id_product' => 77, 'id_product_attribute' => 0, 'quantity' => 2, 'name' => 'Bougie « été »', 'low_stock_threshold' => 3));
      $payload = ConnectorHubPayload::envelope('product.stock_changed', ConnectorHubSigner::newDeliveryId(), time(), array('id' => 1, 'name' => 'Bougies & Co', 'url' => 'https://boutique.example.fr/'), '1.0.0', _PS_VERSION_, $data);
      $body = ConnectorHubPayload::toJson($payload);
      echo json_encode(array('body' => $body, 'signature' => ConnectorHubSigner::sign($body, 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42', time())));
    `;
    const { stdout } = await php(['-r', script]);
    const { body, signature } = JSON.parse(stdout) as { body: string; signature: string };
    expect(verifySignature('S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42', body, signature)).toMatchObject({ ok: true });
    expect(verifySignature('another-secret', body, signature)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(JSON.parse(body)).toMatchObject({ type: 'product.stock_changed', shop: { id: 1 }, data: { productId: 77, quantity: 2, name: 'Bougie « été »', lowStockThreshold: 3 } });
  });

  it('zips the module folder at the top, every file intact and nothing else', () => {
    const entries = unzip(buildZip());
    const expected = allFiles(MODULE_DIR).map((file) => `connectorhub/${relative(MODULE_DIR, file)}`);
    expect([...entries.keys()].sort()).toEqual(expected.sort());
    expect([...entries.keys()].every((name) => name.startsWith('connectorhub/'))).toBe(true);
    expect([...entries.keys()]).toEqual(expect.arrayContaining(['connectorhub/connectorhub.php', 'connectorhub/config.xml', 'connectorhub/logo.png']));
    for (const [name, data] of entries) expect(data.equals(readFileSync(join(MODULE_DIR, name.slice('connectorhub/'.length)))), name).toBe(true);
    expect(buildZip().equals(buildZip())).toBe(true);
  });
});
