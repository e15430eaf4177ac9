/**
 * PATCH of an installation: settings and ready rules as JSON merge patches (RFC 7396), each result
 * checked against its schema (errors under body.settings / body.rules). The rules that texted
 * customers are refused naming the scenario template that replaced them (rules.ts).
 */
import type { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import type { Connector, JsonObject } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { getInstallation, updateInstallation, type StoredInstallation } from './installation-store.ts';
import { refuseMovedRules, RulesSchema, withoutMovedRules } from './rules/rules.ts';
import { syncSchedules } from './schedules.ts';

/** JSON merge patch (RFC 7396): objects merge key by key, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function invalidFields(root: string, error: z.ZodError): InvalidInputError {
  const errors = error.issues.map((issue) => ({ path: [root, ...issue.path.map(String)].join('.'), message: issue.message }));
  return new InvalidInputError(`The ${root} has ${errors.length} invalid field(s); see errors.`, errors);
}

export async function patchInstallation(
  deps: ConnectorDeps,
  tenantId: string,
  connector: Connector,
  installation: StoredInstallation,
  body: { settings?: Record<string, unknown> | undefined; rules?: Record<string, unknown> | undefined },
): Promise<StoredInstallation> {
  const patch: { settings?: JsonObject; rules?: JsonObject } = {};
  if (body.settings) {
    const parsed = connector.manifest.settings.safeParse(mergePatch(installation.settings, body.settings));
    if (!parsed.success) throw invalidFields('body.settings', parsed.error);
    patch.settings = parsed.data as JsonObject;
  }
  if (body.rules) {
    if (!connector.manifest.readyRules) throw new InvalidInputError(`${connector.manifest.name} has no ready rules; use a scenario (template) instead.`, [{ path: 'body.rules', message: 'not accepted by this connector' }]);
    refuseMovedRules(body.rules, 'body.rules', { patch: true });
    const parsed = RulesSchema.safeParse(mergePatch(withoutMovedRules(installation.rules) as JsonObject, body.rules));
    if (!parsed.success) throw invalidFields('body.rules', parsed.error);
    patch.rules = parsed.data as JsonObject;
  }
  await updateInstallation(deps.db, tenantId, installation.id, patch);
  const updated = (await getInstallation(deps.db, tenantId, installation.id))!;
  // A schedule's period may follow the settings (PrestaShop's pollEveryMinutes).
  if (patch.settings) await syncSchedules(deps, updated);
  return updated;
}
