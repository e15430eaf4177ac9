/**
 * Builds the console (Vite) into console/dist. Run by `npm install` (prepare) and `npm start`
 * (prestart) with --if-stale: it builds only when a source is newer than the last build, so the
 * README's two commands always serve an up-to-date console and a second start costs nothing.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const built = join(here, 'dist', 'index.html');
// The console's own sources: a build older than any of them is stale.
const sources = [join(here, 'src'), join(here, 'index.html'), join(here, 'vite.config.ts')];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function isStale(): boolean {
  return !existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs;
}

export async function buildConsole(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(here, 'vite.config.ts'), logLevel: 'warn' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !isStale()) process.exit(0);
  try {
    await import('vite');
  } catch {
    // An install without devDependencies (a production image built elsewhere): serve what was built, say so.
    console.error(existsSync(built) ? 'console: sources changed but Vite is not installed; serving the previous build.' : 'console: not built and Vite is not installed (npm install without --omit=dev builds it).');
    process.exit(0);
  }
  const started = Date.now();
  await buildConsole();
  console.error(`console: built into console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
