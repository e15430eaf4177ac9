import { z } from 'zod';
import { defineManifest } from '../../src/connectors/manifest.ts';
import { shopUrlSchema } from '../../src/connectors/shop-url.ts';

/** The webhooks the hub registers at the store; each gets its own secret. */
export const WEBHOOK_TOPICS = ['order.created', 'order.updated', 'product.updated', 'customer.created'] as const;

const StoreUrlSchema = shopUrlSchema('the REST API keys', 'WordPress');

// WooCommerce generates keys as "ck_"/"cs_" + 40 hex (wc_rand_hash); plugins that mint keys vary, so only the prefix is enforced.
const ConsumerKey = z.string().trim().regex(/^ck_[A-Za-z0-9]{16,64}$/, 'expected the consumer key exactly as WooCommerce shows it: "ck_" followed by 40 characters');
const ConsumerSecret = z.string().trim().regex(/^cs_[A-Za-z0-9]{16,64}$/, 'expected the consumer secret exactly as WooCommerce shows it: "cs_" followed by 40 characters');

export const SettingsSchema = z
  .object({
    shopName: z.string().trim().min(1).max(60).describe('How messages name the shop ("{{ event.data.shop.name }}"); default: its host name.'),
    storeUrl: z.string().describe('The shop\'s address (read-only: install again for another shop).'),
    completedMeans: z
      .enum(['shipped', 'completed'])
      .default('shipped')
      .describe('What WooCommerce\'s "completed" status means for this shop: "shipped" (physical goods, the default) or "completed" (downloads, services).'),
    abandonedCartDelayMinutes: z.number().positive().max(10_080).default(60).describe('A cart with no order after this long is abandoned (decimals allowed).'),
    lowStockThreshold: z
      .number()
      .int()
      .min(0)
      .nullable()
      .default(null)
      .describe('Stock at or below which a product is low, when the product has no threshold of its own; null: the store\'s own setting (2 by default).'),
  })
  .strict();

export type Settings = z.output<typeof SettingsSchema>;

const InstallInputSchema = z
  .object({
    storeUrl: StoreUrlSchema,
    consumerKey: ConsumerKey.describe('WooCommerce → Settings → Advanced → REST API: a key with Read/Write permissions.'),
    consumerSecret: ConsumerSecret,
    settings: SettingsSchema.omit({ storeUrl: true }).partial().optional(),
    rotatePluginSecret: z.boolean().optional().describe('Installing again keeps the WordPress plugin\'s secret; true makes a new one (shown once) and the plugin needs it.'),
  })
  .strict();

export type InstallInput = z.output<typeof InstallInputSchema>;

export const CredentialsSchema = z.object({
  consumerKey: z.string(),
  consumerSecret: z.string(),
  /** Signs what the companion WordPress plugin posts (cart events); shown once at install. */
  pluginSecret: z.string().min(32),
});

export type Credentials = z.output<typeof CredentialsSchema>;

export const manifest = defineManifest({
  id: 'woocommerce',
  name: 'WooCommerce',
  description: 'Orders, order statuses, stock levels, new customers and (with the companion WordPress plugin) abandoned carts of a WooCommerce shop.',
  auth: 'api-key',
  readyRules: true,
  installInput: InstallInputSchema,
  settings: SettingsSchema,
  credentials: CredentialsSchema,
  emits: ['order.created', 'order.status_changed', 'coupon.used', 'cart.updated', 'cart.abandoned', 'product.stock_low', 'product.out_of_stock', 'product.back_in_stock', 'customer.created'],
  docs: 'docs/connectors/woocommerce.md',
});
