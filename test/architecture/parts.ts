import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The parts of the hub as the folder layout names them: `src/<part>/`, `connectors/<system>/`, and each
 * file of `src/` itself on its own (the composition root `src/hub.ts`, which uses every part, and small
 * shared modules such as `src/ids.ts`, which every part uses).
 */
export const ROOT = resolve(import.meta.dirname, '../..');
export const COMPOSITION_ROOT = 'src/hub.ts';

/** Production source files of a part: tests and test harnesses are left out (they may inspect any table). */
export function sourceFiles(): { file: string; part: string }[] {
  const files: { file: string; part: string }[] = [];
  for (const top of ['src', 'connectors']) walk(join(ROOT, top), files);
  return files.map(({ file }) => ({ file, part: partOf(file) }));
}

function walk(dir: string, out: { file: string; part: string }[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === 'testing' || name === 'fixtures' || name === 'node_modules') continue;
      walk(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.contract.ts') && name !== 'test-support.ts') {
      out.push({ file: path, part: '' });
    }
  }
}

/** `src/sending/submit.ts` → `sending`; `connectors/woocommerce/events.ts` → `connectors/woocommerce`; `src/ids.ts` → itself. */
export function partOf(file: string): string {
  const [top, second, third] = relative(ROOT, file).split(sep);
  if (top === 'connectors') return `connectors/${second}`;
  return third === undefined ? `src/${second}` : second!;
}

/** Relative module specifiers a file imports (static, dynamic and type-only imports, and re-exports). */
export function importedFiles(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => resolve(dirname(file), specifier));
}
