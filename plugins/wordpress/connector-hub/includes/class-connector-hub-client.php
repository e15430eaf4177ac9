<?php
/**
 * Posts signed messages to the hub.
 *
 * @package Connector_Hub
 */

defined( 'ABSPATH' ) || exit;

/**
 * The HTTP side: wp_remote_post with the signature header.
 */
class Connector_Hub_Client {

	/**
	 * Settings (Connector_Hub_Options::with_defaults()).
	 *
	 * @var array
	 */
	private $options;

	/**
	 * Constructor.
	 *
	 * @param array $options Settings.
	 */
	public function __construct( array $options ) {
		$this->options = $options;
	}

	/**
	 * Sends a message to the installation's cart route.
	 *
	 * Cart updates are sent without waiting (`blocking` false): the shopper's page must not wait on
	 * the hub. The settings page's connection test waits, to show the answer.
	 *
	 * @param array $payload  A message from Connector_Hub_Payload.
	 * @param bool  $blocking Wait for the answer.
	 * @return array { ok: bool, status: int, message: string }
	 */
	public function send( array $payload, $blocking = false ) {
		if ( ! Connector_Hub_Options::is_connected( $this->options ) ) {
			return array(
				'ok'      => false,
				'status'  => 0,
				'message' => __( 'The hub URL, installation id and secret are not all set.', 'connector-hub' ),
			);
		}
		$body     = Connector_Hub_Payload::to_json( $payload );
		$response = wp_remote_post(
			Connector_Hub_Payload::endpoint( $this->options['hub_url'], $this->options['installation_id'], 'cart' ),
			array(
				'timeout'  => $blocking ? 10 : 3,
				'blocking' => $blocking,
				'headers'  => array(
					'Content-Type'           => 'application/json',
					Connector_Hub_Signer::HEADER => Connector_Hub_Signer::sign( $body, $this->options['secret'], time() ),
				),
				'body'     => $body,
			)
		);
		if ( is_wp_error( $response ) ) {
			return array(
				'ok'      => false,
				'status'  => 0,
				'message' => $response->get_error_message(),
			);
		}
		if ( ! $blocking ) {
			return array(
				'ok'      => true,
				'status'  => 0,
				'message' => '',
			);
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$answer = json_decode( wp_remote_retrieve_body( $response ), true );
		return array(
			'ok'      => $status >= 200 && $status < 300,
			'status'  => $status,
			'message' => is_array( $answer ) && isset( $answer['detail'] ) ? (string) $answer['detail'] : '',
		);
	}
}
