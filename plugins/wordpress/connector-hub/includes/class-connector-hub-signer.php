<?php
/**
 * Signs what the plugin posts to the hub.
 *
 * The header is the one the hub uses for its own outbound webhooks (Hub-Signature, Stripe-style):
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. The timestamp is signed with the body,
 * so the hub refuses a captured request replayed more than five minutes later.
 *
 * Pure PHP: no WordPress function is used, so it is tested without WordPress.
 *
 * @package Connector_Hub
 */

defined( 'ABSPATH' ) || exit;

/**
 * HMAC signatures of request bodies.
 */
class Connector_Hub_Signer {

	/**
	 * Header carrying the signature.
	 */
	const HEADER = 'X-Connector-Hub-Signature';

	/**
	 * Seconds a signature stays valid on either side of now (the hub's tolerance).
	 */
	const TOLERANCE = 300;

	/**
	 * Signature header value for a body.
	 *
	 * @param string $body      The exact bytes sent.
	 * @param string $secret    The installation's plugin secret, as shown by the hub at install.
	 * @param int    $timestamp Unix seconds.
	 * @return string
	 */
	public static function sign( $body, $secret, $timestamp ) {
		$timestamp = (int) $timestamp;
		return 't=' . $timestamp . ',v1=' . hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
	}

	/**
	 * Checks a signature header (for the plugin's own tests and tools).
	 *
	 * @param string $body   The exact bytes received.
	 * @param string $header The header value.
	 * @param string $secret The secret.
	 * @param int    $now    Unix seconds.
	 * @return bool
	 */
	public static function verify( $body, $header, $secret, $now ) {
		$timestamp  = null;
		$candidates = array();
		foreach ( explode( ',', (string) $header ) as $part ) {
			$pair = explode( '=', trim( $part ), 2 );
			if ( 2 !== count( $pair ) ) {
				continue;
			}
			if ( 't' === $pair[0] && ctype_digit( $pair[1] ) ) {
				$timestamp = (int) $pair[1];
			} elseif ( 'v1' === $pair[0] ) {
				$candidates[] = $pair[1];
			}
		}
		if ( null === $timestamp || abs( (int) $now - $timestamp ) > self::TOLERANCE ) {
			return false;
		}
		$expected = hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
		foreach ( $candidates as $candidate ) {
			if ( hash_equals( $expected, strtolower( $candidate ) ) ) {
				return true;
			}
		}
		return false;
	}
}
