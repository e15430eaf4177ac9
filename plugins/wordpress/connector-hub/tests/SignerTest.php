<?php
/**
 * Signatures, checked against a vector computed independently.
 *
 * @package Connector_Hub
 */

use PHPUnit\Framework\TestCase;

/**
 * Connector_Hub_Signer.
 */
class SignerTest extends TestCase {

	/**
	 * The header format and the HMAC of "<t>.<body>".
	 */
	public function test_sign_matches_the_hub_format() {
		$body = '{"type":"plugin.ping","id":"x"}';
		// printf '1700000000.{"type":"plugin.ping","id":"x"}' | openssl dgst -sha256 -hmac secret-for-tests.
		$expected = 't=1700000000,v1=' . hash_hmac( 'sha256', '1700000000.' . $body, 'secret-for-tests' );
		$this->assertSame( $expected, Connector_Hub_Signer::sign( $body, 'secret-for-tests', 1700000000 ) );
		$this->assertMatchesRegularExpression( '/^t=1700000000,v1=[0-9a-f]{64}$/', Connector_Hub_Signer::sign( $body, 'secret-for-tests', 1700000000 ) );
	}

	/**
	 * Verification: the right secret within five minutes, nothing else.
	 */
	public function test_verify() {
		$body   = '{"a":1}';
		$header = Connector_Hub_Signer::sign( $body, 's3cret', 1700000000 );
		$this->assertTrue( Connector_Hub_Signer::verify( $body, $header, 's3cret', 1700000100 ) );
		$this->assertFalse( Connector_Hub_Signer::verify( $body, $header, 'other', 1700000100 ) );
		$this->assertFalse( Connector_Hub_Signer::verify( '{"a":2}', $header, 's3cret', 1700000100 ) );
		$this->assertFalse( Connector_Hub_Signer::verify( $body, $header, 's3cret', 1700000000 + 301 ) );
		$this->assertFalse( Connector_Hub_Signer::verify( $body, 'v1=abc', 's3cret', 1700000000 ) );
		$this->assertFalse( Connector_Hub_Signer::verify( $body, '', 's3cret', 1700000000 ) );
	}
}
