<?php
/**
 * The settings page: WooCommerce → Connector Hub.
 *
 * @package Connector_Hub
 */

defined( 'ABSPATH' ) || exit;

/**
 * Admin page with the hub URL, installation id and secret, and a connection test.
 */
class Connector_Hub_Settings {

	/**
	 * Page slug.
	 */
	const PAGE = 'connector-hub';

	/**
	 * Registers the hooks.
	 */
	public function register() {
		add_action( 'admin_menu', array( $this, 'add_page' ) );
		add_action( 'admin_init', array( $this, 'register_setting' ) );
		add_action( 'admin_post_connector_hub_test', array( $this, 'test_connection' ) );
	}

	/**
	 * The menu entry under WooCommerce.
	 */
	public function add_page() {
		add_submenu_page( 'woocommerce', __( 'Connector Hub', 'connector-hub' ), __( 'Connector Hub', 'connector-hub' ), 'manage_woocommerce', self::PAGE, array( $this, 'render' ) );
	}

	/**
	 * The option, with its sanitizer.
	 */
	public function register_setting() {
		register_setting(
			'connector_hub',
			Connector_Hub_Options::NAME,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( $this, 'sanitize' ),
				'default'           => Connector_Hub_Options::defaults(),
			)
		);
	}

	/**
	 * Checks the posted values; errors are shown on the page and the previous values kept.
	 *
	 * @param mixed $input Posted values.
	 * @return array
	 */
	public function sanitize( $input ) {
		$result = Connector_Hub_Options::sanitize( $input, Connector_Hub_Options::with_defaults( get_option( Connector_Hub_Options::NAME ) ) );
		foreach ( $result['errors'] as $index => $error ) {
			add_settings_error( Connector_Hub_Options::NAME, 'connector_hub_' . $index, $error );
		}
		return $result['values'];
	}

	/**
	 * Sends a signed ping and reports the hub's answer.
	 */
	public function test_connection() {
		if ( ! current_user_can( 'manage_woocommerce' ) ) {
			wp_die( esc_html__( 'Not allowed.', 'connector-hub' ), 403 );
		}
		check_admin_referer( 'connector_hub_test' );
		$options = Connector_Hub_Options::with_defaults( get_option( Connector_Hub_Options::NAME ) );
		$result  = ( new Connector_Hub_Client( $options ) )->send( Connector_Hub_Payload::ping( wp_generate_uuid4() ), true );
		$message = $result['ok']
			? __( 'Connected: the hub accepted a signed test message.', 'connector-hub' )
			/* translators: 1: HTTP status, 2: the hub's explanation. */
			: sprintf( __( 'The hub did not accept the test (HTTP %1$d): %2$s', 'connector-hub' ), $result['status'], $result['message'] );
		set_transient( 'connector_hub_test_result', array( $result['ok'], $message ), 60 );
		wp_safe_redirect( admin_url( 'admin.php?page=' . self::PAGE ) );
		exit;
	}

	/**
	 * The page.
	 */
	public function render() {
		if ( ! current_user_can( 'manage_woocommerce' ) ) {
			return;
		}
		$options = Connector_Hub_Options::with_defaults( get_option( Connector_Hub_Options::NAME ) );
		$test    = get_transient( 'connector_hub_test_result' );
		delete_transient( 'connector_hub_test_result' );
		$name = Connector_Hub_Options::NAME;
		?>
		<div class="wrap">
			<h1><?php esc_html_e( 'Connector Hub', 'connector-hub' ); ?></h1>
			<p><?php esc_html_e( 'Sends the carts of shoppers who typed their email or phone at checkout to the hub, which reminds them by SMS if they do not order. Orders, statuses and stock reach the hub through WooCommerce webhooks, set up by the hub itself.', 'connector-hub' ); ?></p>
			<?php if ( is_array( $test ) ) : ?>
				<div class="notice notice-<?php echo $test[0] ? 'success' : 'error'; ?>"><p><?php echo esc_html( $test[1] ); ?></p></div>
			<?php endif; ?>
			<?php settings_errors( $name ); ?>
			<form method="post" action="options.php">
				<?php settings_fields( 'connector_hub' ); ?>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="connector_hub_url"><?php esc_html_e( 'Hub URL', 'connector-hub' ); ?></label></th>
						<td><input type="url" class="regular-text" id="connector_hub_url" name="<?php echo esc_attr( $name ); ?>[hub_url]" value="<?php echo esc_attr( $options['hub_url'] ); ?>" placeholder="https://hub.example.fr" /></td>
					</tr>
					<tr>
						<th scope="row"><label for="connector_hub_installation"><?php esc_html_e( 'Installation id', 'connector-hub' ); ?></label></th>
						<td><input type="text" class="regular-text" id="connector_hub_installation" name="<?php echo esc_attr( $name ); ?>[installation_id]" value="<?php echo esc_attr( $options['installation_id'] ); ?>" placeholder="ins_…" /></td>
					</tr>
					<tr>
						<th scope="row"><label for="connector_hub_secret"><?php esc_html_e( 'Secret', 'connector-hub' ); ?></label></th>
						<td>
							<input type="password" class="regular-text" id="connector_hub_secret" name="<?php echo esc_attr( $name ); ?>[secret]" value="" autocomplete="new-password" placeholder="<?php echo '' === $options['secret'] ? '' : esc_attr__( '(saved; leave empty to keep it)', 'connector-hub' ); ?>" />
							<p class="description"><?php esc_html_e( 'Shown once by the hub when the shop was installed (pluginSecret).', 'connector-hub' ); ?></p>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="connector_hub_consent"><?php esc_html_e( 'Consent checkbox text', 'connector-hub' ); ?></label></th>
						<td><textarea class="large-text" rows="2" id="connector_hub_consent" name="<?php echo esc_attr( $name ); ?>[consent_label]"><?php echo esc_textarea( $options['consent_label'] ); ?></textarea></td>
					</tr>
					<tr>
						<th scope="row"><label for="connector_hub_track"><?php esc_html_e( 'Send carts', 'connector-hub' ); ?></label></th>
						<td>
							<select id="connector_hub_track" name="<?php echo esc_attr( $name ); ?>[track_carts]">
								<option value="consent" <?php selected( $options['track_carts'], 'consent' ); ?>><?php esc_html_e( 'Only when the shopper ticked the box', 'connector-hub' ); ?></option>
								<option value="always" <?php selected( $options['track_carts'], 'always' ); ?>><?php esc_html_e( 'As soon as an email or phone is typed', 'connector-hub' ); ?></option>
								<option value="no" <?php selected( $options['track_carts'], 'no' ); ?>><?php esc_html_e( 'Never', 'connector-hub' ); ?></option>
							</select>
						</td>
					</tr>
				</table>
				<?php submit_button(); ?>
			</form>
			<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
				<input type="hidden" name="action" value="connector_hub_test" />
				<?php wp_nonce_field( 'connector_hub_test' ); ?>
				<?php submit_button( __( 'Test the connection', 'connector-hub' ), 'secondary', 'submit', false ); ?>
			</form>
		</div>
		<?php
	}
}
