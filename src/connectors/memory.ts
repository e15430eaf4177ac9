import type { JsonValue } from '../queue/job-queue.ts';
import type { Sql } from '../store/db.ts';

/**
 * What a connector remembers per external resource (`order:727` → its last status), because
 * webhooks carry the current state only and a transition needs the previous one. Used inside the
 * handler's transaction: `get` locks the row, so two deliveries about the same order are handled
 * one after the other whatever the worker concurrency.
 */
export interface ResourceMemory {
  get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined>;
  set(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<void>;
  /** Entries under `prefix` whose value has one of the given top-level fields equal to the given string. */
  findByField<T extends JsonValue = JsonValue>(prefix: string, fields: Record<string, string | undefined>): Promise<{ key: string; value: T }[]>;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

export function resourceMemory(sql: Sql, tenantId: string, installationId: string): ResourceMemory {
  return {
    async get<T extends JsonValue>(key: string) {
      const [row] = await sql.query<{ value: T }>('SELECT value FROM connector_memory WHERE installation_id = $1 AND tenant_id = $2 AND key = $3 FOR UPDATE', [
        installationId,
        tenantId,
        key,
      ]);
      return row?.value;
    },
    async set(key, value) {
      await sql.query(
        `INSERT INTO connector_memory (tenant_id, installation_id, key, value) VALUES ($1, $2, $3, $4::jsonb)
         ON CONFLICT (installation_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [tenantId, installationId, key, JSON.stringify(value)],
      );
    },
    async delete(key) {
      await sql.query('DELETE FROM connector_memory WHERE installation_id = $1 AND tenant_id = $2 AND key = $3', [installationId, tenantId, key]);
    },
    async findByField<T extends JsonValue>(prefix: string, fields: Record<string, string | undefined>) {
      const pairs = Object.entries(fields).filter((pair): pair is [string, string] => pair[1] !== undefined);
      if (pairs.length === 0) return [];
      const params: unknown[] = [installationId, tenantId, `${escapeLike(prefix)}%`];
      const conditions = pairs.map(([field, value]) => {
        params.push(field, value);
        return `value->>$${params.length - 1} = $${params.length}`;
      });
      return sql.query<{ key: string; value: T }>(
        `SELECT key, value FROM connector_memory WHERE installation_id = $1 AND tenant_id = $2 AND key LIKE $3 AND (${conditions.join(' OR ')}) ORDER BY key FOR UPDATE`,
        params,
      );
    },
  };
}
