/**
 * Builds dist/connectorhub.zip: the PrestaShop module folder `connectorhub/` at the zip's top, as
 * Modules → Module Manager → Upload a module expects (the hub also serves it: GET /v1/connectors/prestashop/plugin.zip).
 *
 *   npm run build:prestashop-module [-- <output path>]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { zipFolder } from '../../src/connectors/plugin-zip.ts';

export const MODULE_DIR = new URL('./connectorhub/', import.meta.url).pathname;
export const DEFAULT_OUTPUT = resolve(new URL('../../dist/connectorhub.zip', import.meta.url).pathname);

/** The zip's bytes: one deflated entry per file, named `connectorhub/<path>`. */
export const buildZip = (moduleDir: string = MODULE_DIR): Buffer => zipFolder(moduleDir, 'connectorhub');

if (import.meta.url === `file://${process.argv[1]}`) {
  const output = resolve(process.argv[2] ?? DEFAULT_OUTPUT);
  mkdirSync(dirname(output), { recursive: true });
  const zip = buildZip();
  writeFileSync(output, zip);
  process.stdout.write(`${output}: ${zip.length} bytes\n`);
}
