import { z } from 'zod';

/** The `{id}` of /v1/scenarios/{id} and /v1/scenario-runs/{id}. */
export const IdParams = z.object({ id: z.string().min(1).max(64) });
