<?php
/**
 * The messages sent to the hub.
 *
 * @package Connector_Hub
 */

use PHPUnit\Framework\TestCase;

/**
 * Connector_Hub_Payload.
 */
class PayloadTest extends TestCase {

	/**
	 * A cart as WooCommerce's cart items and checkout fields give it.
	 *
	 * @return array
	 */
	private function cart_args() {
		return array(
			'event_id'     => '3f8e4c1a-5b7d-4e2f-9a10-6c2d8b4e7f01',
			'cart_id'      => 'c5e1b0f4a2',
			'updated_at'   => 1778587290,
			'customer'     => Connector_Hub_Payload::customer(
				array(
					'billing_email'      => ' camille.martin@example.fr ',
					'billing_phone'      => '06 12 34 56 78',
					'billing_first_name' => 'Camille',
					'billing_last_name'  => '',
					'billing_country'    => 'fr',
				)
			),
			'consent'      => true,
			'consent_text' => 'J\'accepte de recevoir des SMS.',
			'consent_at'   => 1778587289,
			'currency'     => 'eur',
			'total'        => 49.9,
			'lines'        => Connector_Hub_Payload::lines(
				array(
					array(
						'product_id'   => 77,
						'variation_id' => 0,
						'name'         => 'Bougie parfumée Figuier',
						'quantity'     => 2,
						'line_total'   => 34.67,
						'line_tax'     => 6.93,
					),
					array(
						'product_id'   => 91,
						'variation_id' => 93,
						'name'         => 'Diffuseur Rotin - Noir',
						'quantity'     => 1,
						'line_total'   => 6.92,
						'line_tax'     => 1.38,
					),
					array(
						'product_id' => 0,
						'quantity'   => 1,
					),
					array(
						'product_id' => 5,
						'quantity'   => 0,
					),
				)
			),
			'recovery_url' => 'https://boutique.example.fr/panier/?connector_hub_cart=c5e1b0f4a2',
			'version'      => '1.0.0',
		);
	}

	/**
	 * The cart.updated message in the hub's shape.
	 */
	public function test_cart_updated() {
		$payload = Connector_Hub_Payload::cart_updated( $this->cart_args() );
		$this->assertSame( 'cart.updated', $payload['type'] );
		$this->assertSame( '2026-05-12T12:01:30+00:00', $payload['updatedAt'] );
		$this->assertEquals(
			(object) array(
				'email'     => 'camille.martin@example.fr',
				'phone'     => '06 12 34 56 78',
				'firstName' => 'Camille',
				'country'   => 'FR',
			),
			$payload['customer']
		);
		$this->assertSame(
			array(
				'sms'  => true,
				'text' => 'J\'accepte de recevoir des SMS.',
				'at'   => '2026-05-12T12:01:29+00:00',
			),
			$payload['consent']
		);
		$this->assertSame( 'EUR', $payload['currency'] );
		$this->assertSame(
			array(
				array(
					'productId' => '77',
					'name'      => 'Bougie parfumée Figuier',
					'quantity'  => 2.0,
					'total'     => 41.6,
				),
				array(
					'productId' => '93',
					'name'      => 'Diffuseur Rotin - Noir',
					'quantity'  => 1.0,
					'total'     => 8.3,
				),
			),
			$payload['lines']
		);
		$this->assertSame( 'https://boutique.example.fr/panier/?connector_hub_cart=c5e1b0f4a2', $payload['recoveryUrl'] );
	}

	/**
	 * Without the checkbox on the page, no consent is claimed either way; unticked is sent as such.
	 */
	public function test_consent_absent_or_unticked() {
		$args            = $this->cart_args();
		$args['consent'] = null;
		$this->assertArrayNotHasKey( 'consent', Connector_Hub_Payload::cart_updated( $args ) );
		$args['consent'] = false;
		$payload         = Connector_Hub_Payload::cart_updated( $args );
		$this->assertFalse( $payload['consent']['sms'] );
		$this->assertArrayNotHasKey( 'at', $payload['consent'] );
	}

	/**
	 * JSON as sent and signed: slashes and accents left as they are; an empty customer is an object.
	 */
	public function test_to_json() {
		$json = Connector_Hub_Payload::to_json( Connector_Hub_Payload::cart_updated( $this->cart_args() ) );
		$this->assertStringContainsString( '"recoveryUrl":"https://boutique.example.fr/panier/?connector_hub_cart=c5e1b0f4a2"', $json );
		$this->assertStringContainsString( 'Bougie parfumée', $json );
		$this->assertStringContainsString( '"quantity":2.0', $json );
		$args             = $this->cart_args();
		$args['customer'] = array();
		$this->assertStringContainsString( '"customer":{}', Connector_Hub_Payload::to_json( Connector_Hub_Payload::cart_updated( $args ) ) );
	}

	/**
	 * Only changes that matter make a new fingerprint.
	 */
	public function test_fingerprint_ignores_ids_and_times() {
		$first  = Connector_Hub_Payload::cart_updated( $this->cart_args() );
		$args   = $this->cart_args();
		$second = Connector_Hub_Payload::cart_updated( array_merge( $args, array( 'event_id' => 'other', 'updated_at' => 1778590000 ) ) );
		$this->assertSame( Connector_Hub_Payload::fingerprint( $first ), Connector_Hub_Payload::fingerprint( $second ) );
		$third = Connector_Hub_Payload::cart_updated( array_merge( $args, array( 'total' => 12.5 ) ) );
		$this->assertNotSame( Connector_Hub_Payload::fingerprint( $first ), Connector_Hub_Payload::fingerprint( $third ) );
	}

	/**
	 * Endpoints, cart ids, contact checks, emptied and ping messages.
	 */
	public function test_helpers() {
		$this->assertSame( 'https://hub.example.fr/connectors/woocommerce/ins_abc/cart', Connector_Hub_Payload::endpoint( 'https://hub.example.fr/', 'ins_abc', 'cart' ) );
		$id = Connector_Hub_Payload::cart_id( 't_4f1c', 'salt' );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{24}$/', $id );
		$this->assertSame( $id, Connector_Hub_Payload::cart_id( 't_4f1c', 'salt' ) );
		$this->assertNotSame( $id, Connector_Hub_Payload::cart_id( 't_4f1c', 'other-salt' ) );
		$this->assertTrue( Connector_Hub_Payload::has_contact( array( 'email' => 'a@example.fr' ) ) );
		$this->assertTrue( Connector_Hub_Payload::has_contact( array( 'phone' => '06 12 34 56 78' ) ) );
		$this->assertFalse( Connector_Hub_Payload::has_contact( array( 'email' => 'not-an-email', 'phone' => '12' ) ) );
		$this->assertSame(
			array(
				'type'      => 'cart.emptied',
				'id'        => 'e1',
				'cartId'    => 'c1',
				'updatedAt' => '2026-05-12T12:01:30+00:00',
			),
			Connector_Hub_Payload::cart_emptied( 'e1', 'c1', 1778587290 )
		);
		$this->assertSame( array( 'type' => 'plugin.ping', 'id' => 'p1' ), Connector_Hub_Payload::ping( 'p1' ) );
	}
}
