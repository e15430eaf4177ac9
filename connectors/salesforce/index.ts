/** The Salesforce connector: its files assembled into the hub's connector contract (src/connectors/connector.ts). */
import { defineConnector } from '../../src/connectors/connector.ts';
import { actions } from './actions.ts';
import { fetchRelated, handleDelivery } from './inbound.ts';
import { accountOf, authorizationServer, reconcile, remoteResources, uninstall } from './install.ts';
import { manifest } from './manifest.ts';
import { poll } from './poll.ts';
import { routes } from './plugin.ts';
import { subscription } from './subscription.ts';

export const salesforce = defineConnector({
  manifest,
  oauth: { accountOf, authorizationServer },
  reconcile,
  uninstall,
  remoteResources,
  routes,
  fetch: fetchRelated,
  handle: handleDelivery,
  actions,
  // The hub's sends, receipts and opt-outs written into Salesforce (subscription.ts).
  subscription,
  // The backstop poll: every pollEveryMinutes, on one worker at a time (src/connectors/schedules.ts).
  schedules: [{ id: 'poll', everyMs: (settings) => settings.pollEveryMinutes * 60_000, run: poll }],
});
