/**
 * A connector action declared in one place: what the manifest shows (id, title, description, input
 * schema) next to the code that runs it, as Activepieces keeps an action's props and `run` together.
 * `defineConnector` builds the manifest's action list and the runnable table from these declarations.
 */
import type { z } from 'zod';
import type { JsonValue } from '../queue/job-queue.ts';
import type { ActionContext } from './connector.ts';
import type { ActionManifest } from './manifest.ts';

export interface ConnectorAction<Input extends z.ZodType = z.ZodType, Settings = unknown, Credentials = unknown> extends ActionManifest<Input> {
  /** `input` is the body as `input` parsed it (defaults filled, transforms applied): the API and scenario steps parse before running. */
  run(input: z.output<Input>, ctx: ActionContext<Settings, Credentials>): Promise<JsonValue>;
}

export function defineAction<Input extends z.ZodType, Settings = unknown, Credentials = unknown>(
  action: ConnectorAction<Input, Settings, Credentials>,
): ConnectorAction<Input, Settings, Credentials> {
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(action.id)) throw new Error(`Action id "${action.id}" must be a lower-case slug (scenarios name it <connector>.<action>)`);
  return action;
}

/** The manifest's view of an action: everything but its code. */
export function actionManifest({ id, title, description, input }: ConnectorAction): ActionManifest {
  return { id, title, description, input };
}
