/**
 * Ready rules and scenarios must not both text a customer for one event. Until the ready rules are
 * retired (they become scenarios), an enabled rule that sends the customer an SMS on an event type
 * (rules.ts, `customerSmsRules`) and an active scenario started by that event type that sends an SMS
 * of the same category would send two: the WooCommerce cart reminder and the abandoned-cart recipe
 * both fire on `cart.abandoned`, milliseconds apart. So whichever is switched on second is refused
 * (409) naming the other and how to turn it off, unless the request says both are wanted.
 *
 * Marketing and transactional SMS on the same event are different messages (an order's "en
 * préparation" and a loyalty offer a week later), so only the same category counts.
 */
import type { ReadyRuleOverlapCheck } from '../../automation/ready-rule-overlaps.ts';
import { activeScenarioDefinitions } from '../../automation/scenario-store.ts';
import type { ScenarioDefinition } from '../../automation/scenario.ts';
import { ConflictError, type FieldIssue } from '../../errors.ts';
import type { Sql } from '../../store/db.ts';
import { customerSmsRules, RulesSchema, type CustomerSmsRule } from './rules.ts';

export interface RulesHolder {
  id: string;
  connector: string;
  rules: unknown;
}

export interface ScenarioHolder {
  id?: string;
  name: string;
  definition: ScenarioDefinition;
}

export interface Overlap {
  eventType: string;
  category: CustomerSmsRule['category'];
  rule: CustomerSmsRule;
  installation: { id: string; connector: string };
  scenario: { id?: string; name: string };
}

/** The event type a scenario's run starts on and the categories of SMS it sends. */
function smsOnTrigger(definition: ScenarioDefinition): { eventType: string; categories: Set<string> } | undefined {
  if (definition.trigger.kind !== 'event') return undefined;
  const categories = new Set(definition.steps.flatMap((step) => (step.type === 'action' && step.action.kind === 'sendSms' ? [step.action.category] : [])));
  return categories.size === 0 ? undefined : { eventType: definition.trigger.event, categories };
}

function rulesOf(holder: RulesHolder): CustomerSmsRule[] {
  const parsed = RulesSchema.safeParse(holder.rules);
  return parsed.success ? customerSmsRules(parsed.data) : [];
}

export function overlapsBetween(installations: readonly RulesHolder[], scenarios: readonly ScenarioHolder[]): Overlap[] {
  const found: Overlap[] = [];
  for (const scenario of scenarios) {
    const sends = smsOnTrigger(scenario.definition);
    if (!sends) continue;
    for (const installation of installations) {
      for (const rule of rulesOf(installation)) {
        if (rule.eventTypes.includes(sends.eventType) && sends.categories.has(rule.category)) {
          found.push({ eventType: sends.eventType, category: rule.category, rule, installation: { id: installation.id, connector: installation.connector }, scenario: { ...(scenario.id ? { id: scenario.id } : {}), name: scenario.name } });
        }
      }
    }
  }
  return found;
}

const keyOf = (overlap: Overlap) => `${overlap.installation.id}/${overlap.rule.rule}/${overlap.scenario.id ?? ''}/${overlap.eventType}`;

/** The overlaps a change brings that were not there before it (an overlap already accepted is not asked about again). */
export function newOverlaps(after: readonly Overlap[], before: readonly Overlap[]): Overlap[] {
  const known = new Set(before.map(keyOf));
  return after.filter((overlap) => !known.has(keyOf(overlap)));
}

async function liveRuleHolders(db: Sql, tenantId: string): Promise<RulesHolder[]> {
  return db.query<RulesHolder>(`SELECT id, connector, rules FROM connector_installations WHERE tenant_id = $1 AND status <> 'uninstalled' ORDER BY seq`, [tenantId]);
}

/** The tenant's live ready rules that would send alongside this scenario. */
async function overlapsWithRules(db: Sql, tenantId: string, scenario: ScenarioHolder): Promise<Overlap[]> {
  if (!smsOnTrigger(scenario.definition)) return [];
  return overlapsBetween(await liveRuleHolders(db, tenantId), [scenario]);
}

/** The tenant's active scenarios that would send alongside these rules. */
export async function overlapsWithScenarios(db: Sql, tenantId: string, installation: RulesHolder): Promise<Overlap[]> {
  if (rulesOf(installation).length === 0) return [];
  return overlapsBetween([installation], await activeScenarioDefinitions(db, tenantId));
}

const ruleName = (overlap: Overlap) => `the ready rule "${overlap.rule.rule}" of the ${overlap.installation.connector} installation ${overlap.installation.id}`;
const scenarioName = (overlap: Overlap) => `scenario "${overlap.scenario.name}"${overlap.scenario.id ? ` (${overlap.scenario.id})` : ''}`;

/** Seen from a scenario being switched on: what to turn off, or the flag that keeps both. */
function overlapErrorsForScenario(overlaps: readonly Overlap[], path: string): { path: string; message: string }[] {
  return overlaps.map((overlap) => {
    const off = overlap.rule.switchPath.reduceRight<unknown>((inner, key) => ({ [key]: inner }), false);
    return {
      path,
      message:
        `${ruleName(overlap)} already sends a ${overlap.category} SMS to the customer on every ${overlap.eventType}: with this scenario active too, each customer would get two. ` +
        `Turn the rule off (PATCH /v1/connectors/${overlap.installation.connector}/installations/${overlap.installation.id} ${JSON.stringify({ rules: off })}) ` +
        'or send "allowReadyRuleOverlap": true to keep both.',
    };
  });
}

/** Seen from ready rules being switched on: which scenario to pause, or the flag that keeps both. */
export function overlapErrorsForRules(overlaps: readonly Overlap[], root: string): { path: string; message: string }[] {
  return overlaps.map((overlap) => ({
    path: [root, ...overlap.rule.switchPath].join('.'),
    message:
      `the active ${scenarioName(overlap)} already sends a ${overlap.category} SMS on every ${overlap.eventType}: with ${ruleName(overlap)} on too, each customer would get two. ` +
      `Pause or archive the scenario (POST /v1/scenarios/${overlap.scenario.id ?? '{id}'}/pause) or send "allowScenarioOverlap": true to keep both.`,
  }));
}

function overlapConflict(errors: FieldIssue[]): ConflictError {
  return new ConflictError(`Two SMS for one event: ${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more, see errors)` : ''}`, errors);
}

/** Refuses (ConflictError) a scenario change that starts sending alongside a ready rule, unless allowed. */
async function refuseNewRuleOverlap(db: Sql, tenantId: string, change: { before?: ScenarioHolder | undefined; after: ScenarioHolder; allow: boolean; path: string }): Promise<void> {
  if (change.allow) return;
  const before = change.before ? await overlapsWithRules(db, tenantId, change.before) : [];
  const added = newOverlaps(await overlapsWithRules(db, tenantId, change.after), before);
  if (added.length > 0) throw overlapConflict(overlapErrorsForScenario(added, change.path));
}

/** Refuses (ConflictError) a rules change that starts sending alongside an active scenario, unless allowed. */
export async function refuseNewScenarioOverlap(db: Sql, tenantId: string, change: { before?: RulesHolder | undefined; after: RulesHolder; allow: boolean; root: string }): Promise<void> {
  if (change.allow) return;
  const before = change.before ? await overlapsWithScenarios(db, tenantId, change.before) : [];
  const added = newOverlaps(await overlapsWithScenarios(db, tenantId, change.after), before);
  if (added.length > 0) throw overlapConflict(overlapErrorsForRules(added, change.root));
}

/** What automation asks before switching a scenario on (src/automation/ready-rule-overlaps.ts), registered at composition. */
export function readyRuleOverlapCheck(db: Sql): ReadyRuleOverlapCheck {
  return {
    errorsFor: async (tenantId, scenario, path) => overlapErrorsForScenario(await overlapsWithRules(db, tenantId, scenario), path),
    refuseNew: (tenantId, change) => refuseNewRuleOverlap(db, tenantId, change),
  };
}
