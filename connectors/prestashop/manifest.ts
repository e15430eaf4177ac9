import { z } from 'zod';
import { defineManifest } from '../../src/connectors/manifest.ts';
import { shopUrlSchema } from '../../src/connectors/shop-url.ts';

const ShopUrlSchema = shopUrlSchema('the webservice key', 'PrestaShop');

// PrestaShop generates 32 characters [A-Z0-9] (Tools::passwdGen(32, 'NO_NUMERIC') upper-cased in the back office form).
const WebserviceKey = z.string().trim().regex(/^[A-Za-z0-9]{32}$/, 'expected the 32-character webservice key exactly as PrestaShop shows it (Advanced Parameters → Webservice)');

export const SettingsSchema = z
  .object({
    shopName: z.string().trim().min(1).max(60).describe('How messages name the shop ("{{ event.data.shop.name }}"); default: its host name.'),
    shopUrl: z.string().describe('The shop\'s address (read-only: install again for another shop).'),
    abandonedCartDelayMinutes: z.number().positive().max(10_080).default(60).describe('A cart with no order after this long is abandoned (decimals allowed).'),
    lowStockThreshold: z.number().int().min(0).default(2).describe('Stock at or below which a product is low, when the product or combination has no threshold of its own.'),
    pollEveryMinutes: z.number().int().min(5).max(1440).default(15).describe('How often the hub reads recent orders and customers from the webservice, to catch what the module could not send.'),
  })
  .strict();

export type Settings = z.output<typeof SettingsSchema>;

const InstallInputSchema = z
  .object({
    shopUrl: ShopUrlSchema,
    webserviceKey: WebserviceKey.describe('Advanced Parameters → Webservice: a key with the permissions docs/connectors/prestashop.md lists.'),
    settings: SettingsSchema.omit({ shopUrl: true }).partial().optional(),
    rotateModuleSecret: z.boolean().optional().describe('Installing again keeps the module\'s secret; true makes a new one (shown once) and the module needs it.'),
  })
  .strict();

export type InstallInput = z.output<typeof InstallInputSchema>;

export const CredentialsSchema = z.object({
  webserviceKey: z.string(),
  /** Signs what the connectorhub module posts; shown once at install. */
  moduleSecret: z.string().min(32),
});

export type Credentials = z.output<typeof CredentialsSchema>;

export const manifest = defineManifest({
  id: 'prestashop',
  name: 'PrestaShop',
  description: 'Orders, order states, stock levels, new customers and abandoned carts of a PrestaShop shop (1.7.8, 8, 9), through the connectorhub module and the webservice.',
  auth: 'api-key',
  readyRules: true,
  installInput: InstallInputSchema,
  settings: SettingsSchema,
  credentials: CredentialsSchema,
  emits: ['order.created', 'order.status_changed', 'coupon.used', 'cart.updated', 'cart.abandoned', 'product.stock_low', 'product.out_of_stock', 'product.back_in_stock', 'customer.created'],
  docs: 'docs/connectors/prestashop.md',
});
