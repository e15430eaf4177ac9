<?php
/**
 * The shop side of abandoned carts: the SMS consent checkbox at checkout, the contact typed at
 * checkout, the cart sent to the hub when it changes, the consent and cart id stored on the order,
 * and the recovery link that brings the cart back.
 *
 * @package Connector_Hub
 */

defined( 'ABSPATH' ) || exit;

/**
 * WooCommerce hooks.
 */
class Connector_Hub_Cart {

	/**
	 * Session keys.
	 */
	const SESSION_CONTACT = 'connector_hub_contact';
	const SESSION_SENT    = 'connector_hub_sent';

	/**
	 * Order meta the hub reads (connectors/woocommerce/events.ts).
	 */
	const META_CONSENT      = '_connector_hub_sms_consent';
	const META_CONSENT_AT   = '_connector_hub_sms_consent_at';
	const META_CONSENT_TEXT = '_connector_hub_sms_consent_text';
	const META_CART_ID      = '_connector_hub_cart_id';

	/**
	 * Query argument of the recovery link.
	 */
	const RESTORE_ARG = 'connector_hub_cart';

	/**
	 * Settings.
	 *
	 * @var array
	 */
	private $options;

	/**
	 * Constructor.
	 *
	 * @param array $options Settings (Connector_Hub_Options::with_defaults()).
	 */
	public function __construct( array $options ) {
		$this->options = $options;
	}

	/**
	 * Registers the hooks.
	 */
	public function register() {
		add_action( 'woocommerce_review_order_before_submit', array( $this, 'render_consent_checkbox' ) );
		add_action( 'woocommerce_checkout_create_order', array( $this, 'store_on_order' ), 10, 2 );
		if ( 'no' === $this->options['track_carts'] || ! Connector_Hub_Options::is_connected( $this->options ) ) {
			return;
		}
		add_action( 'wp_enqueue_scripts', array( $this, 'enqueue_checkout_script' ) );
		add_action( 'wp_ajax_connector_hub_capture', array( $this, 'capture' ) );
		add_action( 'wp_ajax_nopriv_connector_hub_capture', array( $this, 'capture' ) );
		add_action( 'woocommerce_cart_updated', array( $this, 'maybe_send' ) );
		add_action( 'woocommerce_cart_emptied', array( $this, 'send_emptied' ) );
		add_action( 'wp_loaded', array( $this, 'maybe_restore' ), 20 );
	}

	/**
	 * The consent checkbox, unticked by default (a pre-ticked box is not consent under the GDPR).
	 */
	public function render_consent_checkbox() {
		$checked = $this->session_contact()['consent'] ?? false;
		printf(
			'<p class="form-row connector-hub-consent"><label class="woocommerce-form__label woocommerce-form__label-for-checkbox checkbox"><input type="checkbox" class="woocommerce-form__input woocommerce-form__input-checkbox input-checkbox" name="connector_hub_sms_consent" id="connector_hub_sms_consent" value="1" %1$s /> <span>%2$s</span></label></p>',
			checked( true, (bool) $checked, false ),
			esc_html( $this->options['consent_label'] )
		);
	}

	/**
	 * Classic checkout: the consent and the cart id go on the order, where the hub reads them.
	 *
	 * @param WC_Order $order The order being created.
	 * @param array    $data  Posted checkout data.
	 */
	public function store_on_order( $order, $data ) {
		unset( $data );
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- WooCommerce verified the checkout nonce before this hook.
		$consent = ! empty( $_POST['connector_hub_sms_consent'] );
		if ( $consent ) {
			$order->update_meta_data( self::META_CONSENT, 'yes' );
			$order->update_meta_data( self::META_CONSENT_AT, gmdate( 'c' ) );
			$order->update_meta_data( self::META_CONSENT_TEXT, $this->options['consent_label'] );
		}
		$cart_id = $this->cart_id();
		if ( '' !== $cart_id ) {
			$order->update_meta_data( self::META_CART_ID, $cart_id );
		}
	}

	/**
	 * The checkout script that reports the email, phone and checkbox as they are typed.
	 */
	public function enqueue_checkout_script() {
		if ( ! function_exists( 'is_checkout' ) || ! is_checkout() || is_order_received_page() ) {
			return;
		}
		wp_enqueue_script( 'connector-hub-checkout', plugins_url( 'assets/connector-hub-checkout.js', CONNECTOR_HUB_FILE ), array( 'jquery' ), CONNECTOR_HUB_VERSION, true );
		wp_localize_script(
			'connector-hub-checkout',
			'connectorHub',
			array(
				'ajaxUrl' => admin_url( 'admin-ajax.php' ),
				'nonce'   => wp_create_nonce( 'connector_hub_capture' ),
			)
		);
	}

	/**
	 * AJAX: the checkout fields as typed so far; then the cart is sent if it may be.
	 */
	public function capture() {
		check_ajax_referer( 'connector_hub_capture', 'nonce' );
		if ( ! WC()->session ) {
			wp_send_json_error( null, 400 );
		}
		$fields = array();
		foreach ( array( 'billing_email', 'billing_phone', 'billing_first_name', 'billing_last_name', 'billing_country' ) as $name ) {
			$fields[ $name ] = isset( $_POST[ $name ] ) ? sanitize_text_field( wp_unslash( $_POST[ $name ] ) ) : '';
		}
		$previous = $this->session_contact();
		$consent  = ! empty( $_POST['consent'] ) && '1' === $_POST['consent'];
		WC()->session->set(
			self::SESSION_CONTACT,
			array(
				'customer'   => Connector_Hub_Payload::customer( $fields ),
				'consent'    => $consent,
				'consent_at' => $consent ? ( ! empty( $previous['consent_at'] ) ? $previous['consent_at'] : time() ) : null,
			)
		);
		$this->maybe_send();
		wp_send_json_success();
	}

	/**
	 * Sends the cart when there is someone to remind, the settings allow it, and it changed.
	 */
	public function maybe_send() {
		if ( ! WC()->session || ! WC()->cart || WC()->cart->is_empty() ) {
			return;
		}
		$contact = $this->session_contact();
		if ( empty( $contact['customer'] ) || ! Connector_Hub_Payload::has_contact( $contact['customer'] ) ) {
			return;
		}
		if ( 'consent' === $this->options['track_carts'] && empty( $contact['consent'] ) ) {
			return;
		}
		$items = array();
		foreach ( WC()->cart->get_cart() as $item ) {
			$items[] = array(
				'product_id'   => $item['product_id'],
				'variation_id' => $item['variation_id'],
				'name'         => is_object( $item['data'] ) ? $item['data']->get_name() : '',
				'quantity'     => $item['quantity'],
				'line_total'   => $item['line_total'],
				'line_tax'     => $item['line_tax'],
			);
		}
		$cart_id = $this->cart_id();
		$payload = Connector_Hub_Payload::cart_updated(
			array(
				'event_id'     => wp_generate_uuid4(),
				'cart_id'      => $cart_id,
				'updated_at'   => time(),
				'customer'     => $contact['customer'],
				'consent'      => (bool) $contact['consent'],
				'consent_text' => $this->options['consent_label'],
				'consent_at'   => $contact['consent_at'],
				'currency'     => get_woocommerce_currency(),
				'total'        => (float) WC()->cart->get_total( 'edit' ),
				'lines'        => Connector_Hub_Payload::lines( $items ),
				'recovery_url' => add_query_arg( self::RESTORE_ARG, $cart_id, wc_get_cart_url() ),
				'version'      => CONNECTOR_HUB_VERSION,
			)
		);
		$fingerprint = Connector_Hub_Payload::fingerprint( $payload );
		if ( WC()->session->get( self::SESSION_SENT ) === $fingerprint ) {
			return;
		}
		WC()->session->set( self::SESSION_SENT, $fingerprint );
		// Kept a week so the recovery link can rebuild the cart on another device.
		set_transient( 'connector_hub_cart_' . $cart_id, WC()->cart->get_cart_for_session(), WEEK_IN_SECONDS );
		( new Connector_Hub_Client( $this->options ) )->send( $payload );
	}

	/**
	 * The cart was emptied (by the shopper, or after an order): nothing to remind any more.
	 */
	public function send_emptied() {
		if ( ! WC()->session || ! WC()->session->get( self::SESSION_SENT ) ) {
			return;
		}
		WC()->session->set( self::SESSION_SENT, null );
		( new Connector_Hub_Client( $this->options ) )->send( Connector_Hub_Payload::cart_emptied( wp_generate_uuid4(), $this->cart_id(), time() ) );
	}

	/**
	 * The recovery link: refills an empty cart with what the shopper had left.
	 */
	public function maybe_restore() {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a link from an SMS; it only refills the visitor's own empty cart.
		$cart_id = isset( $_GET[ self::RESTORE_ARG ] ) ? sanitize_key( wp_unslash( $_GET[ self::RESTORE_ARG ] ) ) : '';
		if ( '' === $cart_id || ! WC()->cart || ! WC()->cart->is_empty() ) {
			return;
		}
		$saved = get_transient( 'connector_hub_cart_' . $cart_id );
		if ( ! is_array( $saved ) ) {
			return;
		}
		foreach ( $saved as $item ) {
			WC()->cart->add_to_cart( (int) $item['product_id'], (float) $item['quantity'], (int) $item['variation_id'], isset( $item['variation'] ) ? (array) $item['variation'] : array() );
		}
	}

	/**
	 * The shopper's contact from the session.
	 *
	 * @return array
	 */
	private function session_contact() {
		$contact = WC()->session ? WC()->session->get( self::SESSION_CONTACT ) : null;
		return is_array( $contact ) ? $contact : array();
	}

	/**
	 * This session's cart id.
	 *
	 * @return string
	 */
	private function cart_id() {
		return WC()->session ? Connector_Hub_Payload::cart_id( WC()->session->get_customer_id(), wp_salt( 'auth' ) ) : '';
	}
}
