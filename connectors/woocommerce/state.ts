import { z } from 'zod';

/** One webhook the hub registered: its id at the store (null while being created) and its sealed secret. */
const WebhookEntrySchema = z.object({
  id: z.number().int().nullable(),
  secretSealed: z.string(),
  status: z.string(),
});

/**
 * The installation's state: what exists at the store because of the hub, and facts read from the
 * store at each reconcile. Survives restarts and re-installs (it lives on the installation row).
 */
export const WooStateSchema = z
  .object({
    webhooks: z.record(z.string(), WebhookEntrySchema).default({}),
    store: z
      .object({
        wooVersion: z.string().optional(),
        currency: z.string().optional(),
        lowStockAmount: z.number().optional(),
      })
      .default({}),
  })
  .loose();
export type WooState = z.infer<typeof WooStateSchema>;

export const webhookSecretPurpose = (topic: string) => `webhook-secret:${topic}`;
