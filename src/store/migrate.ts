import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Store } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the SQL files of `src/store/migrations/` in file-name order, each once.
 *
 * File names start with a number whose range says which part owns them (0000 core, 0100 bus,
 * 0200 contacts, 0300 webhooks, 0400 queue, 1000 sending, 2000 SMPP, 3000 automation, 4000
 * connectors), so parts add migrations without renumbering each other's. Everything, the
 * bookkeeping table's creation included, runs in one transaction under an advisory lock: several
 * processes starting together on PostgreSQL apply each migration exactly once, and a failing
 * migration leaves the schema as it was.
 */
export async function migrate(store: Store): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql')).sort();
  const scripts = await Promise.all(files.map(async (name) => ({ name, sql: await readFile(MIGRATIONS_DIR + name, 'utf8') })));
  return store.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('hub.migrations'))`);
    // Under the lock: IF NOT EXISTS is no guard against a concurrent CREATE (both insert into
    // pg_type and one fails on its unique index), which crashed processes starting together.
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((row) => row.name));
    const applied: string[] = [];
    for (const { name, sql } of scripts) {
      if (done.has(name)) continue;
      // A migration file may hold several statements; the simple query protocol runs them in order.
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      applied.push(name);
    }
    return applied;
  });
}

/** Splits a migration on semicolons at line ends; migrations keep to that form (no functions with bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\r?\n|$)/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}
