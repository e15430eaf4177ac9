/** The WooCommerce connector: its files assembled into the hub's connector contract (src/connectors/connector.ts). */
import { defineConnector } from '../../src/connectors/connector.ts';
import { actions } from './actions.ts';
import { handleDelivery } from './inbound.ts';
import { accountOf, prepare, reconcile, remoteResources, uninstall } from './install.ts';
import { manifest } from './manifest.ts';
import { routes } from './plugin.ts';

export const woocommerce = defineConnector({
  manifest,
  accountOf,
  prepare,
  reconcile,
  uninstall,
  remoteResources,
  routes,
  handle: handleDelivery,
  actions,
  // WordPress → Plugins → Add New → Upload Plugin takes this zip as it is.
  plugin: {
    directory: new URL('../../plugins/wordpress/connector-hub/', import.meta.url).pathname,
    top: 'connector-hub',
    fileName: 'connector-hub.zip',
    exclude: ['tests', 'phpunit.xml.dist'],
  },
});
