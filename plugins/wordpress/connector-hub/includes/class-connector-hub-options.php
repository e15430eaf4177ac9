<?php
/**
 * The plugin's settings: reading defaults and checking what the admin saves.
 *
 * Pure PHP (no WordPress function), tested without WordPress.
 *
 * @package Connector_Hub
 */

defined( 'ABSPATH' ) || exit;

/**
 * Settings values and their validation.
 */
class Connector_Hub_Options {

	/**
	 * The option name in wp_options.
	 */
	const NAME = 'connector_hub_settings';

	/**
	 * Default values.
	 *
	 * @return array
	 */
	public static function defaults() {
		return array(
			'hub_url'         => '',
			'installation_id' => '',
			'secret'          => '',
			'consent_label'   => 'J\'accepte de recevoir par SMS le suivi de ma commande et les offres de la boutique (désinscription : STOP).',
			// consent: only carts whose shopper ticked the box (the default) · always · no.
			'track_carts'     => 'consent',
		);
	}

	/**
	 * Stored values over the defaults.
	 *
	 * @param mixed $stored What get_option() returned.
	 * @return array
	 */
	public static function with_defaults( $stored ) {
		return array_merge( self::defaults(), is_array( $stored ) ? array_intersect_key( $stored, self::defaults() ) : array() );
	}

	/**
	 * Whether carts can be sent: the three connection settings are there.
	 *
	 * @param array $options As with_defaults() returns.
	 * @return bool
	 */
	public static function is_connected( array $options ) {
		return '' !== $options['hub_url'] && '' !== $options['installation_id'] && '' !== $options['secret'];
	}

	/**
	 * Checks what the settings form posted. An empty secret field keeps the saved secret (it is
	 * never printed back into the page).
	 *
	 * @param mixed $input    The posted values.
	 * @param array $previous The saved values.
	 * @return array { values: array, errors: string[] }
	 */
	public static function sanitize( $input, array $previous ) {
		$input  = is_array( $input ) ? $input : array();
		$values = self::with_defaults( $previous );
		$errors = array();

		$url = isset( $input['hub_url'] ) ? trim( (string) $input['hub_url'] ) : '';
		if ( '' === $url ) {
			$values['hub_url'] = '';
		} else {
			$parts  = parse_url( $url ); // phpcs:ignore WordPress.WP.AlternativeFunctions.parse_url_parse_url -- pure PHP on purpose (tested without WordPress).
			$scheme = is_array( $parts ) && isset( $parts['scheme'] ) ? strtolower( $parts['scheme'] ) : '';
			$host   = is_array( $parts ) && isset( $parts['host'] ) ? strtolower( $parts['host'] ) : '';
			$local  = in_array( $host, array( 'localhost', '127.0.0.1' ), true );
			if ( '' === $host || ! ( 'https' === $scheme || ( 'http' === $scheme && $local ) ) ) {
				$errors[] = 'The hub URL must start with https:// (http:// only for localhost).';
			} else {
				$values['hub_url'] = rtrim( $url, '/' );
			}
		}

		$installation = isset( $input['installation_id'] ) ? trim( (string) $input['installation_id'] ) : '';
		if ( '' === $installation || preg_match( '/^ins_[A-Za-z0-9]{20}$/', $installation ) ) {
			$values['installation_id'] = $installation;
		} else {
			$errors[] = 'The installation id looks like ins_ followed by 20 letters and digits, as the hub shows it.';
		}

		$secret = isset( $input['secret'] ) ? trim( (string) $input['secret'] ) : '';
		if ( '' !== $secret ) {
			if ( preg_match( '/^[A-Za-z0-9]{32,128}$/', $secret ) ) {
				$values['secret'] = $secret;
			} else {
				$errors[] = 'The secret is the long series of letters and digits the hub showed once at install.';
			}
		}

		$label = isset( $input['consent_label'] ) ? trim( (string) $input['consent_label'] ) : '';
		if ( '' !== $label ) {
			$values['consent_label'] = function_exists( 'mb_substr' ) ? mb_substr( $label, 0, 500, 'UTF-8' ) : substr( $label, 0, 500 );
		}

		$track                 = isset( $input['track_carts'] ) ? (string) $input['track_carts'] : '';
		$values['track_carts'] = in_array( $track, array( 'consent', 'always', 'no' ), true ) ? $track : 'consent';

		return array(
			'values' => $values,
			'errors' => $errors,
		);
	}
}
