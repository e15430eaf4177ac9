<?php
/**
 * Builds what the plugin sends to the hub, from plain values.
 *
 * The shapes match the hub's schema (connectors/woocommerce/payloads.ts, PluginMessageSchema):
 * `cart.updated`, `cart.emptied` and `plugin.ping`. Pure PHP, tested without WordPress: the
 * WordPress side (class-connector-hub-cart.php) reads the cart and the session, then calls these.
 *
 * @package Connector_Hub
 */

defined( 'ABSPATH' ) || exit;

/**
 * Payloads and endpoints.
 */
class Connector_Hub_Payload {

	/**
	 * The hub's URL for one of the installation's routes.
	 *
	 * @param string $hub_url         The hub's public URL, e.g. https://hub.example.fr.
	 * @param string $installation_id The installation id shown by the hub (ins_…).
	 * @param string $path            Route name: "cart".
	 * @return string
	 */
	public static function endpoint( $hub_url, $installation_id, $path ) {
		return rtrim( $hub_url, '/' ) . '/connectors/woocommerce/' . rawurlencode( $installation_id ) . '/' . $path;
	}

	/**
	 * A stable id for a shopper's cart, from the WooCommerce session's customer id.
	 *
	 * @param string $session_customer_id WC()->session->get_customer_id().
	 * @param string $salt                A per-site secret (wp_salt()), so ids are not guessable.
	 * @return string
	 */
	public static function cart_id( $session_customer_id, $salt ) {
		return substr( hash_hmac( 'sha256', (string) $session_customer_id, (string) $salt ), 0, 24 );
	}

	/**
	 * Cart lines in the hub's shape; lines without a product or a positive quantity are left out.
	 *
	 * @param array $items Each: product_id, variation_id, name, quantity, line_total, line_tax.
	 * @return array
	 */
	public static function lines( array $items ) {
		$lines = array();
		foreach ( $items as $item ) {
			$variation = isset( $item['variation_id'] ) ? (int) $item['variation_id'] : 0;
			$product   = isset( $item['product_id'] ) ? (int) $item['product_id'] : 0;
			$quantity  = isset( $item['quantity'] ) ? (float) $item['quantity'] : 0;
			if ( ( 0 === $product && 0 === $variation ) || $quantity <= 0 ) {
				continue;
			}
			$total   = ( isset( $item['line_total'] ) ? (float) $item['line_total'] : 0 ) + ( isset( $item['line_tax'] ) ? (float) $item['line_tax'] : 0 );
			$lines[] = array(
				'productId' => (string) ( $variation > 0 ? $variation : $product ),
				'name'      => isset( $item['name'] ) ? self::clip( (string) $item['name'], 200 ) : '',
				'quantity'  => $quantity,
				'total'     => round( $total, 2 ),
			);
		}
		return $lines;
	}

	/**
	 * The shopper as typed at checkout; empty values are left out.
	 *
	 * @param array $fields billing_email, billing_phone, billing_first_name, billing_last_name, billing_country.
	 * @return array
	 */
	public static function customer( array $fields ) {
		$map      = array(
			'email'     => array( 'billing_email', 254 ),
			'phone'     => array( 'billing_phone', 64 ),
			'firstName' => array( 'billing_first_name', 100 ),
			'lastName'  => array( 'billing_last_name', 100 ),
			'country'   => array( 'billing_country', 2 ),
		);
		$customer = array();
		foreach ( $map as $key => $source ) {
			$value = isset( $fields[ $source[0] ] ) ? trim( (string) $fields[ $source[0] ] ) : '';
			if ( '' !== $value ) {
				$customer[ $key ] = self::clip( 'country' === $key ? strtoupper( $value ) : $value, $source[1] );
			}
		}
		return $customer;
	}

	/**
	 * Whether the shopper can be reminded: an email address or a phone number.
	 *
	 * @param array $customer As built by customer().
	 * @return bool
	 */
	public static function has_contact( array $customer ) {
		return ( isset( $customer['email'] ) && false !== filter_var( $customer['email'], FILTER_VALIDATE_EMAIL ) ) || ( isset( $customer['phone'] ) && preg_match( '/\d{6,}/', preg_replace( '/\D+/', '', $customer['phone'] ) ) );
	}

	/**
	 * The `cart.updated` message.
	 *
	 * @param array $args {
	 *     @type string      $event_id     Unique per message (a retry reuses it: the hub stores it once).
	 *     @type string      $cart_id      See cart_id().
	 *     @type int         $updated_at   Unix seconds of the cart's last change.
	 *     @type array       $customer     See customer().
	 *     @type bool|null   $consent      The checkbox: true ticked, false not ticked, null not shown.
	 *     @type string      $consent_text The checkbox's wording, kept as proof.
	 *     @type int|null    $consent_at   Unix seconds when it was ticked.
	 *     @type string      $currency     ISO 4217 code.
	 *     @type float       $total        Cart total, taxes included.
	 *     @type array       $lines        See lines().
	 *     @type string      $recovery_url Where the reminder sends the shopper.
	 *     @type string      $version      The plugin's version.
	 * }
	 * @return array
	 */
	public static function cart_updated( array $args ) {
		$payload = array(
			'type'      => 'cart.updated',
			'id'        => (string) $args['event_id'],
			'cartId'    => (string) $args['cart_id'],
			'updatedAt' => self::iso8601( (int) $args['updated_at'] ),
			'customer'  => (object) $args['customer'],
			'currency'  => strtoupper( (string) $args['currency'] ),
			'total'     => round( (float) $args['total'], 2 ),
			'lines'     => array_values( $args['lines'] ),
		);
		if ( null !== $args['consent'] ) {
			$payload['consent'] = array(
				'sms'  => (bool) $args['consent'],
				'text' => self::clip( (string) $args['consent_text'], 2000 ),
			);
			if ( $args['consent'] && ! empty( $args['consent_at'] ) ) {
				$payload['consent']['at'] = self::iso8601( (int) $args['consent_at'] );
			}
		}
		if ( ! empty( $args['recovery_url'] ) ) {
			$payload['recoveryUrl'] = self::clip( (string) $args['recovery_url'], 2048 );
		}
		$payload['plugin'] = array( 'version' => (string) $args['version'] );
		return $payload;
	}

	/**
	 * The `cart.emptied` message: the shopper emptied the cart, nothing to remind.
	 *
	 * @param string $event_id   Unique per message.
	 * @param string $cart_id    See cart_id().
	 * @param int    $updated_at Unix seconds.
	 * @return array
	 */
	public static function cart_emptied( $event_id, $cart_id, $updated_at ) {
		return array(
			'type'      => 'cart.emptied',
			'id'        => (string) $event_id,
			'cartId'    => (string) $cart_id,
			'updatedAt' => self::iso8601( (int) $updated_at ),
		);
	}

	/**
	 * The `plugin.ping` message of the settings page's connection test.
	 *
	 * @param string $event_id Unique per message.
	 * @return array
	 */
	public static function ping( $event_id ) {
		return array(
			'type' => 'plugin.ping',
			'id'   => (string) $event_id,
		);
	}

	/**
	 * The body as sent (and signed): JSON with unescaped slashes and Unicode, as the hub reads it.
	 *
	 * @param array $payload A message.
	 * @return string
	 */
	public static function to_json( array $payload ) {
		// phpcs:ignore WordPress.WP.AlternativeFunctions.json_encode_json_encode -- pure PHP on purpose (tested without WordPress).
		return (string) json_encode( $payload, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION );
	}

	/**
	 * A content hash of what matters in a cart, to post only when it changed.
	 *
	 * @param array $payload A cart.updated message.
	 * @return string
	 */
	public static function fingerprint( array $payload ) {
		unset( $payload['id'], $payload['updatedAt'] );
		return md5( self::to_json( $payload ) );
	}

	/**
	 * ISO 8601 in UTC with an offset, as the hub's schema requires.
	 *
	 * @param int $timestamp Unix seconds.
	 * @return string
	 */
	public static function iso8601( $timestamp ) {
		return gmdate( 'Y-m-d\TH:i:s+00:00', $timestamp );
	}

	/**
	 * At most $length characters (UTF-8 aware).
	 *
	 * @param string $text   Text.
	 * @param int    $length Maximum characters.
	 * @return string
	 */
	private static function clip( $text, $length ) {
		return function_exists( 'mb_substr' ) ? mb_substr( $text, 0, $length, 'UTF-8' ) : substr( $text, 0, $length );
	}
}
