import { PGlite } from '@electric-sql/pglite';
import type { Sql, Store } from './db.ts';

/**
 * The embedded store: PGlite in a data folder (or in memory when `dataDir` is undefined, for tests).
 *
 * PGlite runs one query at a time on one connection; its `transaction()` holds that connection, so
 * other queries wait for the commit instead of interleaving with it.
 */
const NUMERIC_OID = 1700;

export async function openPgliteStore(dataDir: string | undefined): Promise<Store> {
  // numeric parsed to a JS number as on the PostgreSQL store (PGlite's default is a string).
  const options = { parsers: { [NUMERIC_OID]: (value: string) => Number(value) } };
  const db = dataDir === undefined ? await PGlite.create(options) : await PGlite.create(dataDir, options);
  const asSql = (target: Pick<PGlite, 'query'>): Sql => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await target.query<Row>(text, params as unknown[]);
      return result.rows;
    },
  });
  const root = asSql(db);
  return {
    kind: 'embedded',
    query: root.query,
    transaction: (work) => db.transaction((tx) => work(asSql(tx))),
    async exec(script) {
      await db.exec(script);
    },
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
