import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test/support/hub.ts';
import { unzip } from '../../test/support/unzip.ts';

// The route reads no table: one store is enough.
describe('GET /v1/connectors/{id}/plugin.zip', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub('embedded');
  });
  afterAll(async () => t?.close());

  const download = (path: string, apiKey?: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${apiKey ?? t.apiKey}` } });

  it('serves the WordPress plugin as WordPress uploads it: one connector-hub/ folder, its own tests left out', async () => {
    const response = await download('/v1/connectors/woocommerce/plugin.zip');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="connector-hub.zip"');
    const entries = unzip(Buffer.from(await response.arrayBuffer()));
    const names = [...entries.keys()];
    expect(names.every((name) => name.startsWith('connector-hub/'))).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['connector-hub/connector-hub.php', 'connector-hub/includes/class-connector-hub-signer.php', 'connector-hub/readme.txt']));
    expect(names.some((name) => name.startsWith('connector-hub/tests/') || name.endsWith('phpunit.xml.dist'))).toBe(false);
    const plugin = new URL('../../plugins/wordpress/connector-hub/', import.meta.url).pathname;
    for (const [name, data] of entries) expect(data.equals(readFileSync(join(plugin, name.slice('connector-hub/'.length)))), name).toBe(true);
  });

  it('serves the PrestaShop module, the same bytes as `npm run build:prestashop-module`', async () => {
    const { buildZip } = await import('../../plugins/prestashop/build-zip.ts');
    const response = await download('/v1/connectors/prestashop/plugin.zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="connectorhub.zip"');
    expect(Buffer.from(await response.arrayBuffer()).equals(buildZip())).toBe(true);
  });

  it('the catalog says which connectors have a plugin, and where to download it', async () => {
    const connectors = (await t.api('/v1/connectors')).body.items as { id: string; plugin?: unknown }[];
    expect(connectors.find((connector) => connector.id === 'woocommerce')?.plugin).toEqual({ url: '/v1/connectors/woocommerce/plugin.zip', fileName: 'connector-hub.zip' });
    expect(connectors.filter((connector) => connector.plugin).map((connector) => connector.id).sort()).toEqual(['prestashop', 'woocommerce']);
    expect((await t.api('/v1/connectors/prestashop')).body.plugin).toEqual({ url: '/v1/connectors/prestashop/plugin.zip', fileName: 'connectorhub.zip' });
  });

  it('answers 404 for a connector without a plugin and for an unknown one; needs credentials like every /v1 route', async () => {
    const connectors = (await t.api('/v1/connectors')).body.items as { id: string }[];
    const without = connectors.find((connector) => !['woocommerce', 'prestashop'].includes(connector.id));
    if (without) expect((await download(`/v1/connectors/${without.id}/plugin.zip`)).status).toBe(404);
    expect((await download('/v1/connectors/nope/plugin.zip')).status).toBe(404);
    expect((await fetch(`${t.url}/v1/connectors/woocommerce/plugin.zip`)).status).toBe(401);
  });
});
