import pg from 'pg';
import type { Sql, Store } from './db.ts';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * PostgreSQL for the scale-out mode. int8 and numeric are parsed to JS numbers, as PGlite does, so
 * the same queries return the same shapes on both stores (counts and amounts stay far below 2^53).
 */
export async function openPostgresStore(connectionString: string, options: { max?: number } = {}): Promise<Store> {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
      return pg.types.getTypeParser(oid, format);
    },
  } as pg.CustomTypesConfig;
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, types });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const client = await pool.connect();
  client.release();

  const asSql = (target: pg.Pool | pg.PoolClient): Sql => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await target.query(text, params as unknown[]);
      return result.rows as Row[];
    },
  });
  const root = asSql(pool);
  return {
    kind: 'postgres',
    query: root.query,
    async transaction(work) {
      const connection = await pool.connect();
      try {
        await connection.query('BEGIN');
        const result = await work(asSql(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        connection.release();
      }
    },
    async exec(script) {
      await pool.query(script);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
