<?php
/**
 * The settings form's checks.
 *
 * @package Connector_Hub
 */

use PHPUnit\Framework\TestCase;

/**
 * Connector_Hub_Options.
 */
class OptionsTest extends TestCase {

	/**
	 * Valid values are kept, normalized.
	 */
	public function test_valid_values() {
		$result = Connector_Hub_Options::sanitize(
			array(
				'hub_url'         => ' https://hub.example.fr/ ',
				'installation_id' => 'ins_AbCdEfGhIjKlMnOpQrSt',
				'secret'          => str_repeat( 'aZ9', 16 ),
				'consent_label'   => 'Oui aux SMS',
				'track_carts'     => 'always',
			),
			array()
		);
		$this->assertSame( array(), $result['errors'] );
		$this->assertSame( 'https://hub.example.fr', $result['values']['hub_url'] );
		$this->assertSame( 'always', $result['values']['track_carts'] );
		$this->assertTrue( Connector_Hub_Options::is_connected( $result['values'] ) );
	}

	/**
	 * Invalid values are refused with a message; an empty secret keeps the saved one.
	 */
	public function test_invalid_values_and_kept_secret() {
		$previous = Connector_Hub_Options::with_defaults( array( 'secret' => str_repeat( 'k', 40 ) ) );
		$result   = Connector_Hub_Options::sanitize(
			array(
				'hub_url'         => 'http://hub.example.fr',
				'installation_id' => 'abc',
				'secret'          => '',
				'track_carts'     => 'sometimes',
			),
			$previous
		);
		$this->assertCount( 2, $result['errors'] );
		$this->assertStringContainsString( 'https://', $result['errors'][0] );
		$this->assertSame( str_repeat( 'k', 40 ), $result['values']['secret'] );
		$this->assertSame( 'consent', $result['values']['track_carts'] );
		$this->assertFalse( Connector_Hub_Options::is_connected( $result['values'] ) );
		$local = Connector_Hub_Options::sanitize( array( 'hub_url' => 'http://localhost:3000' ), array() );
		$this->assertSame( array(), $local['errors'] );
		$bad_secret = Connector_Hub_Options::sanitize( array( 'secret' => 'short & weird' ), array() );
		$this->assertCount( 1, $bad_secret['errors'] );
	}

	/**
	 * Defaults: consent-only tracking, a French checkbox text mentioning STOP.
	 */
	public function test_defaults() {
		$defaults = Connector_Hub_Options::with_defaults( 'not an array' );
		$this->assertSame( 'consent', $defaults['track_carts'] );
		$this->assertStringContainsString( 'STOP', $defaults['consent_label'] );
	}
}
