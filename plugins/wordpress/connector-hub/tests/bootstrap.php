<?php
/**
 * PHPUnit bootstrap: the pure classes only, without WordPress.
 *
 * @package Connector_Hub
 */

// The plugin's files refuse to run outside WordPress unless ABSPATH is defined.
define( 'ABSPATH', __DIR__ . '/' );

require_once dirname( __DIR__ ) . '/includes/class-connector-hub-signer.php';
require_once dirname( __DIR__ ) . '/includes/class-connector-hub-payload.php';
require_once dirname( __DIR__ ) . '/includes/class-connector-hub-options.php';
