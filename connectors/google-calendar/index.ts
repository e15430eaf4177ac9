/** The Google Calendar connector: its files assembled into the hub's connector contract (src/connectors/connector.ts). */
import { defineConnector } from '../../src/connectors/connector.ts';
import { actions } from './actions.ts';
import { fetchChanges, handleDelivery } from './inbound.ts';
import { accountOf, reconcile, remoteResources, uninstall } from './install.ts';
import { manifest } from './manifest.ts';
import { routes } from './plugin.ts';
import { schedules } from './schedules.ts';

export const googleCalendar = defineConnector({
  manifest,
  oauth: { accountOf },
  reconcile,
  uninstall,
  remoteResources,
  routes,
  fetch: fetchChanges,
  handle: handleDelivery,
  actions,
  schedules,
});
