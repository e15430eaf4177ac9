<?php
/**
 * One shop in the stubs: an order of Zoé's in Paris time, its states, addresses, products, a cart.
 */
class ShopFixture
{
    public static function load()
    {
        foreach (array('Order', 'OrderState', 'Currency', 'Carrier', 'Customer', 'Address', 'Product', 'Combination', 'Cart', 'CartRule') as $class) {
            $class::reset();
        }
        Configuration::$values = array('PS_TIMEZONE' => 'Europe/Paris', 'PS_OS_PAYMENT' => 2, 'PS_OS_PREPARATION' => 3, 'PS_OS_SHIPPING' => 4, 'PS_OS_DELIVERED' => 5, 'PS_OS_CANCELED' => 6, 'PS_OS_REFUND' => 7, 'PS_OS_ERROR' => 8, 'PS_OS_BANKWIRE' => 10);
        Country::$isoById = array(8 => 'FR', 3 => 'BE');
        Language::$isoById = array(1 => 'fr', 2 => 'en');
        Currency::$rows[1] = array('iso_code' => 'EUR');
        Carrier::$rows[7] = array('name' => 'Colissimo');
        OrderState::$rows = array(
            2 => array('name' => 'Paiement accepté', 'paid' => 1, 'shipped' => 0, 'delivery' => 0),
            3 => array('name' => 'En cours de préparation', 'paid' => 1, 'shipped' => 0, 'delivery' => 0),
            4 => array('name' => 'Expédié', 'paid' => 1, 'shipped' => 1, 'delivery' => 1),
            10 => array('name' => 'En attente de virement bancaire', 'paid' => 0, 'shipped' => 0, 'delivery' => 0),
            42 => array('name' => 'Retiré en boutique', 'paid' => 1, 'shipped' => 0, 'delivery' => 0),
        );
        Customer::$rows[5] = array('email' => 'zoe@example.fr', 'firstname' => 'Zoé', 'lastname' => 'Martin', 'is_guest' => 0, 'newsletter' => 1, 'optin' => 0, 'id_lang' => 1, 'date_add' => '2024-03-05 10:00:00');
        Address::$rows[11] = array('firstname' => 'Zoé', 'lastname' => 'Martin', 'company' => '', 'address1' => '3 rue des Lilas', 'address2' => '', 'postcode' => '75011', 'city' => 'Paris', 'id_country' => 8, 'phone' => '01 42 00 00 00', 'phone_mobile' => '06 12 34 56 78');
        Order::$rows[12] = array(
            'reference' => 'XKBKNABJK', 'id_cart' => 30, 'id_customer' => 5, 'id_currency' => 1, 'id_lang' => 1, 'id_carrier' => 7,
            'id_address_invoice' => 11, 'id_address_delivery' => 11, 'current_state' => 2, 'payment' => 'Carte bancaire',
            'total_paid_tax_incl' => '64.800000', 'total_products_wt' => '59.900000', 'total_shipping_tax_incl' => '4.900000', 'total_discounts_tax_incl' => '0.000000',
            'date_add' => '2024-03-05 10:30:00', 'shipping_number' => '', 'tracking' => '',
            'products' => array(array('product_id' => 77, 'product_attribute_id' => 0, 'product_name' => 'Bougie parfumée', 'product_reference' => 'BG-77', 'product_quantity' => 2, 'total_price_tax_incl' => '59.900000')),
        );
        Product::$rows[77] = array('name' => 'Bougie parfumée', 'reference' => 'BG-77', 'low_stock_threshold' => 3, 'low_stock_alert' => 1);
        Product::$rows[78] = array('name' => array(1 => 'Diffuseur'), 'reference' => 'DF-78', 'low_stock_threshold' => null, 'low_stock_alert' => 0);
        Combination::$rows[901] = array('reference' => 'DF-78-XL', 'low_stock_threshold' => 1, 'low_stock_alert' => 1);
        Cart::$rows[30] = array('id_customer' => 5, 'id_currency' => 1, 'id_address_delivery' => 11, 'id_address_invoice' => 11, 'date_upd' => '2024-03-05 10:20:00', 'total' => 59.9, 'ordered' => false,
            'products' => array(array('id_product' => 77, 'id_product_attribute' => 0, 'name' => 'Bougie parfumée', 'cart_quantity' => 2, 'total_wt' => 59.9)));
    }

    public static function shop()
    {
        return array('id' => 1, 'name' => 'Bougies & Co', 'url' => 'https://boutique.example.fr/');
    }
}
