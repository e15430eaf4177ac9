/**
 * The one database interface everything above the store uses.
 *
 * Both implementations speak the same PostgreSQL dialect (PGlite is PostgreSQL compiled to WASM), so
 * queries and migrations are written once. Rows come back as plain objects with snake_case columns;
 * `int8`/`count(*)` come back as JS numbers on both, timestamps as `Date`, `jsonb` as parsed JSON.
 */
export interface Sql {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Db extends Sql {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

export type StoreKind = 'embedded' | 'postgres';

export interface Store extends Db {
  readonly kind: StoreKind;
  /** Runs a multi-statement script (migrations). */
  exec(script: string): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Postgres error code for unique_violation, raised identically by PGlite and PostgreSQL. */
export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}
