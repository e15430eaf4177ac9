import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSITION_ROOT, importedFiles, partOf, ROOT, sourceFiles } from './parts.ts';

/**
 * Each table belongs to one part; other parts call that part's functions. Each migration's number says
 * which part owns what it creates (docs/conventions.md), so the owners below are checked against the
 * migrations, and every SQL statement in a part's source is checked against the owners.
 */
const MIGRATION_OWNERS: readonly [from: number, to: number, part: string][] = [
  [0, 99, 'tenancy'],
  [100, 199, 'bus'],
  [200, 299, 'contacts'],
  [300, 399, 'webhooks'],
  [400, 499, 'queue'],
  [500, 599, 'cluster'],
  [600, 699, 'campaigns'],
  [700, 799, 'purchases'],
  [1000, 1999, 'sending'],
  [2000, 2999, 'smpp'],
  [3000, 3999, 'automation'],
  [4000, 4099, 'connectors'],
  [4100, 4199, 'connectors/zapier'],
];

const MIGRATIONS = join(ROOT, 'src/store/migrations');

function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>([['schema_migrations', 'store']]);
  for (const name of readdirSync(MIGRATIONS).filter((file) => file.endsWith('.sql'))) {
    const number = Number(name.slice(0, 4));
    const owner = MIGRATION_OWNERS.find(([from, to]) => number >= from && number <= to)?.[2];
    if (owner === undefined) throw new Error(`migration ${name} is in no part's number range: add the range to MIGRATION_OWNERS`);
    for (const match of readFileSync(join(MIGRATIONS, name), 'utf8').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)/g)) {
      owners.set(match[1]!, owner);
    }
  }
  return owners;
}

/** Tables named by the SQL of a file: upper-case keywords, so English prose ("from the shop") is not read as SQL. */
function tablesUsed(text: string, known: Map<string, string>): Set<string> {
  const tables = new Set<string>();
  for (const match of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE|USING)\s+([a-z_][a-z0-9_]*)/g)) {
    if (known.has(match[1]!)) tables.add(match[1]!);
  }
  return tables;
}

describe('part boundaries', () => {
  const files = sourceFiles();

  it('no part queries a table another part owns', () => {
    const owners = tableOwners();
    const trespasses: string[] = [];
    for (const { file, part } of files) {
      for (const table of tablesUsed(readFileSync(file, 'utf8'), owners)) {
        const owner = owners.get(table)!;
        if (owner !== part) trespasses.push(`${file.slice(ROOT.length + 1)} (${part}) uses ${table}, owned by ${owner}`);
      }
    }
    expect(trespasses).toEqual([]);
  });

  it('no import cycle between parts', () => {
    const edges = new Map<string, Set<string>>();
    for (const { file, part } of files) {
      for (const target of importedFiles(file)) {
        const to = partOf(target);
        if (to === part) continue;
        if (!edges.has(part)) edges.set(part, new Set());
        edges.get(part)!.add(to);
      }
    }
    expect(edges.get(COMPOSITION_ROOT)?.size ?? 0).toBeGreaterThan(0);
    expect(cycles(edges)).toEqual([]);
  });
});

/** Strongly connected components of more than one part (Tarjan), each listed with its edges. */
function cycles(edges: Map<string, Set<string>>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) {
        const inside = new Set(component);
        const links = component.flatMap((from) => [...(edges.get(from) ?? [])].filter((to) => inside.has(to)).map((to) => `${from} → ${to}`));
        found.push(links.sort().join(', '));
      }
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}
