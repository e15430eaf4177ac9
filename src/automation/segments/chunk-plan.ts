/**
 * Runs a statement over a chunk of a tenant's contacts (or ledger) with the plan it is written for:
 * rows read in the order of an index on (tenant_id, contact id), stopping at the chunk's end — not every
 * remaining row of the tenant fetched, then sorted or aggregated to keep 2,000. The planner picks the
 * latter when it underestimates the tenant's rows, which is always the case on the embedded store (it
 * never gathers statistics): at 100,000 contacts, a sort of 95,000 ids for the first chunk, and as many
 * chunks as that. Sorts and bitmap scans are made the last resort for this statement only.
 */
import type { Db } from '../../store/db.ts';

export async function runChunk<Row>(db: Db, statement: { text: string; params: readonly unknown[] }): Promise<Row[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_hashagg', 'off', true)");
    return tx.query<Row>(statement.text, statement.params);
  });
}

/** How many contacts a chunk statement takes: sized so each holds the store about `targetMs`, within [min, max]. */
export interface ChunkSizing {
  min: number;
  max: number;
  targetMs: number;
}

/**
 * 15 ms a statement: on the embedded store a statement holds the whole API (one connection), so an API
 * request waits at most about that long per query of its own; PostgreSQL runs the same statements
 * several times faster, so its chunks grow to the maximum and a refresh takes fewer round trips. At
 * least 500: on a loaded machine every statement is slow, and smaller chunks would only add statements.
 */
export const DEFAULT_CHUNK_SIZING: ChunkSizing = { min: 500, max: 5_000, targetMs: 15 };

/** The next chunk's size from the last one's and how long its statement took. */
export function nextChunkSize(sizing: ChunkSizing, size: number, elapsedMs: number): number {
  const scaled = elapsedMs <= 0 ? sizing.max : Math.round((size * sizing.targetMs) / elapsedMs);
  // At most double at a time: one fast statement (a chunk of non-buyers) does not make the next one huge.
  return Math.max(sizing.min, Math.min(sizing.max, size * 2, scaled));
}
