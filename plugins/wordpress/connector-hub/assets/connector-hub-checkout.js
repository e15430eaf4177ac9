/* global window, document, jQuery */
/**
 * Reports the checkout's email, phone, name, country and SMS checkbox to the shop (admin-ajax),
 * which sends the cart to the hub. Debounced: one request after the shopper stops typing.
 */
( function ( $ ) {
	'use strict';

	if ( typeof window.connectorHub === 'undefined' ) {
		return;
	}

	var fields = [ 'billing_email', 'billing_phone', 'billing_first_name', 'billing_last_name', 'billing_country' ];
	var timer = null;

	function capture() {
		var data = { action: 'connector_hub_capture', nonce: window.connectorHub.nonce, consent: $( '#connector_hub_sms_consent' ).is( ':checked' ) ? '1' : '0' };
		$.each( fields, function ( index, name ) {
			data[ name ] = $( '#' + name ).val() || '';
		} );
		if ( ! data.billing_email && ! data.billing_phone ) {
			return;
		}
		$.post( window.connectorHub.ajaxUrl, data );
	}

	$( document.body ).on( 'change blur', '#' + fields.join( ', #' ) + ', #connector_hub_sms_consent', function () {
		window.clearTimeout( timer );
		timer = window.setTimeout( capture, 800 );
	} );
} )( jQuery );
