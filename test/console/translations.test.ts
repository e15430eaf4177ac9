/** Every text the console shows through t('…') has its French (console/src/fr.ts), and placeholders match. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FR } from '../../console/src/fr.ts';

const SOURCES = new URL('../../console/src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.tsx') ? [join(dir, entry.name)] : []));
}

const texts = [...new Set(files(SOURCES).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)].map((match) => match[1]!.replace(/\\'/g, "'"))))];
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the console in French', () => {
  it('finds the texts (the scan works)', () => {
    expect(texts.length).toBeGreaterThan(200);
    expect(texts).toContain('Sign in');
  });

  it('translates every text, with the same placeholders', () => {
    expect(texts.filter((text) => !(text in FR))).toEqual([]);
    expect(texts.filter((text) => text in FR && placeholders(FR[text]!).join() !== placeholders(text).join())).toEqual([]);
  });
});
