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

/**
 * Whether a failed statement was refused for what its rows hold rather than for the database's
 * state: SQLSTATE classes 22 (data exception: a NUL or a lone surrogate in JSON, a value out of
 * range), 23 (integrity constraint) and 54 (program limit: JSON nested too deep, an index row too
 * large). Such a statement fails again with the same rows and succeeds without the offending ones;
 * a lost connection or a shutdown (no code, 08, 57) fails whatever the rows. PGlite raises the same codes.
 */
export function isRowDataError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}
