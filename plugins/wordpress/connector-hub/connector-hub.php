<?php
/**
 * Plugin Name:          Connector Hub for WooCommerce
 * Description:          Abandoned carts and SMS consent at checkout for the Connector Hub: sends the carts of shoppers who typed their email or phone, signed, to the hub.
 * Version:              1.0.0
 * Requires at least:    6.2
 * Requires PHP:         7.4
 * Requires Plugins:     woocommerce
 * WC requires at least: 7.0
 * Author:               Connector Hub
 * License:              Apache-2.0
 * Text Domain:          connector-hub
 *
 * @package Connector_Hub
 */

defined( 'ABSPATH' ) || exit;

define( 'CONNECTOR_HUB_VERSION', '1.0.0' );
define( 'CONNECTOR_HUB_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-connector-hub-signer.php';
require_once __DIR__ . '/includes/class-connector-hub-payload.php';
require_once __DIR__ . '/includes/class-connector-hub-options.php';
require_once __DIR__ . '/includes/class-connector-hub-client.php';
require_once __DIR__ . '/includes/class-connector-hub-cart.php';
require_once __DIR__ . '/includes/class-connector-hub-settings.php';

/**
 * Starts the plugin once WooCommerce is loaded.
 */
function connector_hub_init() {
	if ( ! class_exists( 'WooCommerce' ) ) {
		return;
	}
	$options = Connector_Hub_Options::with_defaults( get_option( Connector_Hub_Options::NAME ) );
	( new Connector_Hub_Cart( $options ) )->register();
	if ( is_admin() ) {
		( new Connector_Hub_Settings() )->register();
	}
}
add_action( 'plugins_loaded', 'connector_hub_init' );

// The plugin stores order meta only through the WC_Order API: compatible with HPOS (custom order tables).
add_action(
	'before_woocommerce_init',
	function () {
		if ( class_exists( '\Automattic\WooCommerce\Utilities\FeaturesUtil' ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', __FILE__, true );
		}
	}
);
