import { z } from 'zod';

/**
 * The installation's state: facts read from the shop at each reconcile (the roles of its built-in
 * states, its time zone) and the backstop poll's cursors (`date_upd` in shop time, as the webservice
 * filters on it). Lives on the installation row: survives restarts and re-installs.
 */
export const PsStateSchema = z
  .object({
    shop: z
      .object({
        timeZone: z.string().default('UTC'),
        /** order_states id → the role PAYLOAD.md names (from the PS_OS_* Configuration ids). */
        stateRoles: z.record(z.string(), z.string()).default({}),
      })
      .default({ timeZone: 'UTC', stateRoles: {} }),
    cursor: z.object({ orders: z.string().nullable().default(null), customers: z.string().nullable().default(null) }).default({ orders: null, customers: null }),
  })
  .loose();
export type PsInstallationState = z.infer<typeof PsStateSchema>;
