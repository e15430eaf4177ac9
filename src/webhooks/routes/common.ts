/** Shared by the webhook route files: the id parameter and ISO dates that may be absent. */
import { z } from 'zod';

export const IdParamsSchema = z.object({ id: z.string().min(1).max(64) });
export const iso = (date: Date | null) => date?.toISOString() ?? null;
