<?php
/**
 * Removes the plugin's settings when it is deleted.
 *
 * @package Connector_Hub
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'connector_hub_settings' );
