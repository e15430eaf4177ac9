/**
 * The checks behind /v1/webhooks (and Zapier's REST hooks, kind `zapier`): a subscription of this kind
 * in this tenant or a 404, a target URL that resolves to a public address, and the per-tenant cap.
 */
import { InvalidInputError, notFound, UnprocessableError } from '../errors.ts';
import { checkTargetUrl } from '../net/outbound-guard.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../vault/vault.ts';
import { countSubscriptions, createSubscription, getSubscription, type Subscription } from './subscription-store.ts';

/** Each subscription is one more POST per event: a bound on what one tenant can make the hub send. */
const MAX_SUBSCRIPTIONS_PER_TENANT = 100;

export interface SubscriptionServiceOptions {
  db: Db;
  vault: Vault;
  kind: string;
  allowPrivateTargets: boolean;
}

export type SubscriptionService = ReturnType<typeof subscriptionService>;

export function subscriptionService({ db, vault, kind, allowPrivateTargets }: SubscriptionServiceOptions) {
  /** The DNS half of the SSRF guard (the syntax half is in the schema), with the field path of the URL. */
  const assertPublicTarget = async (url: string) => {
    const checked = await checkTargetUrl(url, { allowPrivateTargets });
    if (!checked.ok) throw new InvalidInputError(checked.message, [{ path: 'body.url', message: checked.message }]);
  };

  const subscriptionOf = async (tenantId: string, id: string): Promise<Subscription> => {
    const subscription = await getSubscription(db, tenantId, kind, id);
    if (!subscription) throw notFound('webhook', id);
    return subscription;
  };

  /** A new subscription to a public target, within the tenant's cap; its secret is returned once. */
  const create = async (tenantId: string, input: { url: string; eventTypes: string[]; description: string | null; enabled: boolean }) => {
    await assertPublicTarget(input.url);
    if ((await countSubscriptions(db, tenantId, kind)) >= MAX_SUBSCRIPTIONS_PER_TENANT) {
      throw new UnprocessableError(`A tenant has at most ${MAX_SUBSCRIPTIONS_PER_TENANT} webhook subscriptions; delete unused ones or subscribe one URL to several event types.`);
    }
    return createSubscription(db, vault, { tenantId, kind, ...input });
  };

  return { kind, assertPublicTarget, subscriptionOf, create };
}
