/**
 * Connectors' ready rules text customers on events too (src/connectors/rules): a scenario switched on
 * alongside one would send each customer two SMS. Automation asks through this port, which the
 * connectors part fills at composition (`createConnectorsModule({ scenarioOverlaps })`), so automation
 * never imports connectors. A hub without connectors has no ready rule, hence no overlap.
 */
import type { FieldIssue } from '../errors.ts';
import type { ScenarioDefinition } from './scenario.ts';

export interface ScenarioToCheck {
  id?: string;
  name: string;
  definition: ScenarioDefinition;
}

export interface ReadyRuleOverlapCheck {
  /** One error under `path` per live ready rule that sends an SMS of the scenario's category on its trigger event. */
  errorsFor(tenantId: string, scenario: ScenarioToCheck, path: string): Promise<FieldIssue[]>;
  /** Throws a ConflictError (src/errors.ts) when the change brings an overlap `before` did not have, unless `allow`. */
  refuseNew(tenantId: string, change: { before?: ScenarioToCheck | undefined; after: ScenarioToCheck; allow: boolean; path: string }): Promise<void>;
}

export class ReadyRuleOverlaps implements ReadyRuleOverlapCheck {
  #check: ReadyRuleOverlapCheck | undefined;

  use(check: ReadyRuleOverlapCheck): void {
    if (this.#check) throw new Error('The ready rule overlap check is registered twice');
    this.#check = check;
  }

  async errorsFor(tenantId: string, scenario: ScenarioToCheck, path: string): Promise<FieldIssue[]> {
    return this.#check ? this.#check.errorsFor(tenantId, scenario, path) : [];
  }

  async refuseNew(tenantId: string, change: Parameters<ReadyRuleOverlapCheck['refuseNew']>[1]): Promise<void> {
    await this.#check?.refuseNew(tenantId, change);
  }
}
