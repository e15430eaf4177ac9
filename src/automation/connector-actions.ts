/**
 * Actions connectors offer to scenarios ("create a WooCommerce coupon", "add to a Brevo list"). The
 * registry starts empty; each connector registers its actions at composition. A scenario's
 * `connector` action is checked against it when saved, and its input against the action's schema.
 */
import type { z } from 'zod';

export interface ConnectorActionContext {
  tenantId: string;
  contactId: string;
  runId: string;
  /** Unique per (run, step, rotation): pass it to the external system when it dedupes, else keep it to avoid acting twice. */
  idempotencyKey: string;
}

export interface ConnectorAction<Input extends z.ZodType = z.ZodType> {
  connector: string;
  action: string;
  title: string;
  input: Input;
  run(context: ConnectorActionContext, input: z.output<Input>): Promise<Record<string, unknown> | undefined>;
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
