/**
 * Install, reconcile and uninstall at the store: the four webhooks the hub needs, each with its own
 * secret, delivering to `<publicUrl>/connectors/woocommerce/<installation>/webhook`.
 *
 * Reconcile is "check, then create what is missing" and never duplicates: it lists the store's
 * webhooks and recognizes the hub's by their delivery URL (unique per installation), so a webhook
 * created just before a crash is adopted rather than created twice, and extra copies are deleted.
 * A webhook WooCommerce disabled (more than 5 failed deliveries in a row, WC_Webhook::failed_delivery)
 * or an admin paused is set active again. Each step is saved at once, so an interrupted reconcile
 * resumes where it stopped.
 */
import type { InstallationContext, JsonObject, PrepareContext, Prepared, ReconcileReport, RemoteResource } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { randomBase62 } from '../../src/ids.ts';
import { blockedLiteral } from '../../src/net/outbound-guard.ts';
import { WooClient, type Webhook } from './client.ts';
import { CredentialsSchema, SettingsSchema, WEBHOOK_TOPICS, type Credentials, type InstallInput, type Settings } from './manifest.ts';
import { webhookSecretPurpose, WooStateSchema, type WooState } from './state.ts';

export const WEBHOOK_PATH = 'webhook';

/**
 * Secrets are base62: WooCommerce stores the secret HTML-escaped and signs with
 * wp_specialchars_decode($secret) (WC_Webhook::generate_signature), so & < > " ' could sign differently.
 */
const newSecret = () => randomBase62(40);

export const accountOf = (input: InstallInput) => input.storeUrl;

export function clientFor(storeUrl: string, credentials: Pick<Credentials, 'consumerKey' | 'consumerSecret'>, network: PrepareContext['network']): WooClient {
  return new WooClient({ storeUrl, consumerKey: credentials.consumerKey, consumerSecret: credentials.consumerSecret, network });
}

/** Checks the key against the store (nothing is stored when it fails) and builds the installation. */
export async function prepare(input: InstallInput, ctx: PrepareContext): Promise<Prepared<Settings, Credentials>> {
  // An IP literal (in any spelling) is refused before any connection; a name is vetted by the connection itself.
  const blocked = ctx.network.allowPrivateTargets ? undefined : blockedLiteral(new URL(input.storeUrl).hostname);
  if (blocked) throw new ExternalSystemError('blocked', `${blocked.message} (store ${input.storeUrl})`, { field: 'storeUrl' });
  const client = clientFor(input.storeUrl, input, ctx.network);
  const status = await client.systemStatus();
  if (status.environment.version === undefined) {
    throw new ExternalSystemError('invalid-response', `${input.storeUrl} answered the system status without a WooCommerce version; is it a WooCommerce shop?`);
  }
  const previous = ctx.existing ? CredentialsSchema.safeParse(ctx.existing.credentials) : undefined;
  const previousSettings = ctx.existing ? SettingsSchema.partial().safeParse(ctx.existing.settings) : undefined;
  // The plugin keeps working across a re-install: its secret is kept, and shown only when new.
  const kept = previous?.success && input.rotatePluginSecret !== true ? previous.data.pluginSecret : undefined;
  const pluginSecret = kept ?? randomBase62(48);
  const host = new URL(input.storeUrl).host.replace(/^www\./, '');
  const settings = SettingsSchema.parse({
    ...(previousSettings?.success ? previousSettings.data : {}),
    shopName: host,
    ...(previousSettings?.success && previousSettings.data.shopName ? { shopName: previousSettings.data.shopName } : {}),
    ...input.settings,
    storeUrl: input.storeUrl,
  });
  return {
    account: input.storeUrl,
    settings,
    credentials: { consumerKey: input.consumerKey, consumerSecret: input.consumerSecret, pluginSecret },
    ...(kept ? {} : { shownOnce: { pluginSecret } }),
  };
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

async function save(ctx: InstallationContext<Settings, Credentials>, state: WooState): Promise<void> {
  await ctx.saveState(state as unknown as JsonObject);
}

export async function reconcile(ctx: InstallationContext<Settings, Credentials>): Promise<ReconcileReport> {
  const client = clientFor(ctx.settings.storeUrl, ctx.credentials, ctx.network);
  const state = WooStateSchema.parse(ctx.state());
  const changes: string[] = [];

  const status = await client.systemStatus();
  const lowStockAmount = await client.lowStockAmount().catch((error: unknown) => {
    // Older stores have no settings endpoint for it: the default (2) applies.
    if (error instanceof ExternalSystemError && (error.kind === 'not-found' || error.kind === 'refused')) return undefined;
    throw error;
  });
  state.store = {
    ...(status.environment.version ? { wooVersion: status.environment.version } : {}),
    ...(status.settings?.currency ? { currency: status.settings.currency } : {}),
    ...(lowStockAmount === undefined ? {} : { lowStockAmount }),
  };
  await save(ctx, state);

  const deliveryUrl = ctx.publicUrl(WEBHOOK_PATH);
  const ours = (await client.listWebhooks()).filter((webhook) => sameUrl(webhook.delivery_url, deliveryUrl));
  for (const topic of WEBHOOK_TOPICS) {
    const entry = state.webhooks[topic];
    const matching = ours.filter((webhook) => webhook.topic === topic);
    const keep: Webhook | undefined = matching.find((webhook) => webhook.id === entry?.id) ?? matching[0];
    for (const extra of matching.filter((webhook) => webhook !== keep)) {
      await client.deleteWebhook(extra.id);
      changes.push(`deleted duplicate webhook ${topic} (#${extra.id})`);
    }
    if (keep) {
      const adopted = entry?.id !== keep.id;
      const secretSealed = entry?.secretSealed ?? ctx.seal(newSecret(), webhookSecretPurpose(topic));
      if (keep.status !== 'active' || adopted) {
        // An adopted webhook's secret is unknown (or another attempt's): set ours with the reactivation.
        const updated = await client.updateWebhook(keep.id, { status: 'active', ...(adopted ? { secret: ctx.open(secretSealed, webhookSecretPurpose(topic)) } : {}) });
        changes.push(adopted ? `adopted webhook ${topic} (#${keep.id}) and set its secret` : `reactivated webhook ${topic} (#${keep.id}, was ${keep.status})`);
        state.webhooks[topic] = { id: keep.id, secretSealed, status: updated.status };
      } else {
        state.webhooks[topic] = { id: keep.id, secretSealed, status: keep.status };
      }
      await save(ctx, state);
      continue;
    }
    // Saved before the call: a delivery can arrive (and must verify) as soon as WooCommerce has the webhook.
    const secretSealed = entry && entry.id === null ? entry.secretSealed : ctx.seal(newSecret(), webhookSecretPurpose(topic));
    state.webhooks[topic] = { id: null, secretSealed, status: 'creating' };
    await save(ctx, state);
    const created = await client.createWebhook({
      name: `Connector hub: ${topic}`,
      topic,
      delivery_url: deliveryUrl,
      secret: ctx.open(secretSealed, webhookSecretPurpose(topic)),
      status: 'active',
    });
    state.webhooks[topic] = { id: created.id, secretSealed, status: created.status };
    await save(ctx, state);
    changes.push(entry?.id ? `recreated webhook ${topic} (#${created.id}; #${entry.id} was gone)` : `created webhook ${topic} (#${created.id})`);
  }
  return { changes };
}

/** Deletes the hub's webhooks; what cannot be deleted (store down) is reported and kept in the state. */
export async function uninstall(ctx: InstallationContext<Settings, Credentials>): Promise<ReconcileReport> {
  const client = clientFor(ctx.settings.storeUrl, ctx.credentials, ctx.network);
  const state = WooStateSchema.parse(ctx.state());
  const changes: string[] = [];
  const problems: string[] = [];
  let present: Webhook[];
  try {
    const deliveryUrl = ctx.publicUrl(WEBHOOK_PATH);
    present = (await client.listWebhooks()).filter((webhook) => sameUrl(webhook.delivery_url, deliveryUrl));
  } catch (error) {
    const ids = Object.entries(state.webhooks).map(([topic, entry]) => `${topic} (#${entry.id ?? '?'})`);
    return { changes, problems: [`${error instanceof Error ? error.message : String(error)} Webhooks left at the store: ${ids.join(', ') || 'none recorded'}.`] };
  }
  const remaining: WooState['webhooks'] = {};
  for (const webhook of present) {
    try {
      await client.deleteWebhook(webhook.id);
      changes.push(`deleted webhook ${webhook.topic} (#${webhook.id})`);
    } catch (error) {
      if (error instanceof ExternalSystemError && error.kind === 'not-found') continue;
      problems.push(`webhook ${webhook.topic} (#${webhook.id}): ${error instanceof Error ? error.message : String(error)}`);
      const entry = state.webhooks[webhook.topic];
      if (entry) remaining[webhook.topic] = entry;
    }
  }
  state.webhooks = remaining;
  await save(ctx, state);
  return { changes, problems };
}

export function remoteResources(state: JsonObject): RemoteResource[] {
  const parsed = WooStateSchema.safeParse(state);
  if (!parsed.success) return [];
  return Object.entries(parsed.data.webhooks).map(([topic, entry]) => ({ kind: 'webhook', name: topic, externalId: entry.id === null ? null : String(entry.id), status: entry.status }));
}
