/**
 * Actions connectors offer to scenarios ("add a WooCommerce order note"). Every installed connector's
 * manifest actions are registered at composition as `<connector>.<action>` (src/connectors/scenario-actions.ts
 * builds them from the manifests, nothing per connector). A scenario's `connector` action is checked
 * against the registry when saved, and its input against the action's schema.
 *
 * Failures: `run` throws a `StepFailure` (interpreter.ts) when acting again cannot help (not
 * installed, refused by the external system): the run ends `failed` with the reason. Anything else
 * is transient: the step's job is retried, within the interpreter's retry window.
 */
import type { z } from 'zod';

export interface ConnectorActionContext {
  tenantId: string;
  contactId: string;
  runId: string;
  /** Unique per (run, step, rotation): pass it to the external system when it dedupes, else keep it to avoid acting twice. */
  idempotencyKey: string;
  /** The installation the step names (`action.installation`, rendered), when it names one. */
  installationId: string | undefined;
  /** The event that started the run (its source and data: commerce events say which shop in `data.shop.installationId`). */
  trigger: { source: string; data: Record<string, unknown> } | null;
}

export interface ConnectorAction<Input extends z.ZodType = z.ZodType> {
  connector: string;
  action: string;
  title: string;
  /** Checks the step's input, at save time (values with templates aside) and once rendered, before `run`. */
  input: Input;
  /** Gets the input as the step gives it (rendered, already checked against `input`): the registrant parses it on its own path. */
  run(context: ConnectorActionContext, input: Record<string, unknown>): Promise<ConnectorActionResult>;
}

export interface ConnectorActionResult {
  /** What the external system answered (kept in the step's history; JSON). */
  output: unknown;
  /** The installation that acted, for the history (a tenant may have several shops). */
  installationId?: string | undefined;
}

export class ConnectorActionRegistry {
  readonly #actions = new Map<string, ConnectorAction>();

  register<Input extends z.ZodType>(action: ConnectorAction<Input>): void {
    const name = `${action.connector}.${action.action}`;
    if (this.#actions.has(name)) throw new Error(`Connector action "${name}" is registered twice`);
    this.#actions.set(name, action as unknown as ConnectorAction);
  }

  get(connector: string, action: string): ConnectorAction | undefined {
    return this.#actions.get(`${connector}.${action}`);
  }

  names(): string[] {
    return [...this.#actions.keys()].sort();
  }
}
