/** The PrestaShop connector: its files assembled into the hub's connector contract (src/connectors/connector.ts). */
import { defineConnector } from '../../src/connectors/connector.ts';
import { actions } from './actions.ts';
import { handleDelivery } from './inbound.ts';
import { accountOf, prepare, reconcile, remoteResources, uninstall } from './install.ts';
import { manifest } from './manifest.ts';
import { routes } from './plugin.ts';
import { poll } from './poll.ts';
import { MODULE_DIR } from '../../plugins/prestashop/build-zip.ts';

export const prestashop = defineConnector({
  manifest,
  accountOf,
  prepare,
  reconcile,
  uninstall,
  remoteResources,
  routes,
  handle: handleDelivery,
  actions,
  // The backstop poll: every pollEveryMinutes, on one worker at a time (src/connectors/schedules.ts).
  schedules: [{ id: 'poll', everyMs: (settings) => settings.pollEveryMinutes * 60_000, run: poll }],
  // Modules → Module Manager → Upload a module takes this zip as it is (the same as `npm run build:prestashop-module`).
  plugin: { directory: MODULE_DIR, top: 'connectorhub', fileName: 'connectorhub.zip' },
});
