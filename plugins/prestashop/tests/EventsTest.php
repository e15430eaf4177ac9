<?php

use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/ShopFixture.php';

/**
 * Each hook, with its parameters as PrestaShop passes them (PrestaShop objects stubbed), gives the
 * message of PAYLOAD.md.
 */
class EventsTest extends TestCase
{
    const NOW = 1709631000;

    /** @var SqliteDb */
    private $db;
    /** @var ConnectorHubConsent */
    private $consent;
    /** @var ConnectorHubEvents */
    private $events;

    protected function setUp(): void
    {
        ShopFixture::load();
        $this->db = new SqliteDb();
        $this->consent = new ConnectorHubConsent($this->db, _DB_PREFIX_);
        $this->events = new ConnectorHubEvents(new ConnectorHubReader(), $this->consent, ShopFixture::shop(), '1.0.0', '8.1.7');
    }

    public function testActionValidateOrderGivesOrderCreated()
    {
        $this->consent->record(5, true, 'Oui aux SMS', 1, '203.0.113.9', 1709630000);
        $message = $this->events->orderCreated(array('order' => new Order(12), 'cart' => new Cart(30), 'customer' => new Customer(5), 'currency' => new Currency(1), 'orderStatus' => new OrderState(10)), self::NOW);
        $this->assertSame('order.created', $message['type']);
        $this->assertSame('2024-03-05T09:30:00+00:00', $message['occurredAt']);
        $this->assertSame(array('id' => 1, 'name' => 'Bougies & Co', 'url' => 'https://boutique.example.fr/'), $message['shop']);
        $this->assertSame(array('version' => '1.0.0', 'prestashop' => '8.1.7'), $message['module']);
        $data = (array) $message['data'];
        $this->assertSame(array(
            'orderId' => 12, 'reference' => 'XKBKNABJK', 'cartId' => 30, 'createdAt' => '2024-03-05T09:30:00+00:00',
            'state' => array('id' => 10, 'name' => 'En attente de virement bancaire', 'role' => 'awaiting_payment', 'paid' => false, 'shipped' => false, 'delivered' => false),
            'currency' => 'EUR', 'total' => 64.8, 'totalProducts' => 59.9, 'totalShipping' => 4.9, 'totalDiscounts' => 0.0,
            'payment' => 'Carte bancaire', 'carrier' => 'Colissimo', 'trackingNumber' => null,
            'customer' => array('customerId' => 5, 'email' => 'zoe@example.fr', 'firstName' => 'Zoé', 'lastName' => 'Martin', 'guest' => false, 'newsletter' => true, 'partnerOffers' => false, 'language' => 'fr', 'createdAt' => '2024-03-05T09:00:00+00:00'),
            'invoiceAddress' => array('firstName' => 'Zoé', 'lastName' => 'Martin', 'company' => '', 'address1' => '3 rue des Lilas', 'address2' => '', 'postcode' => '75011', 'city' => 'Paris', 'country' => 'FR', 'phone' => '01 42 00 00 00', 'mobilePhone' => '06 12 34 56 78'),
            'deliveryAddress' => array('firstName' => 'Zoé', 'lastName' => 'Martin', 'company' => '', 'address1' => '3 rue des Lilas', 'address2' => '', 'postcode' => '75011', 'city' => 'Paris', 'country' => 'FR', 'phone' => '01 42 00 00 00', 'mobilePhone' => '06 12 34 56 78'),
            'lines' => array(array('productId' => 77, 'combinationId' => 0, 'name' => 'Bougie parfumée', 'reference' => 'BG-77', 'quantity' => 2, 'total' => 59.9)),
            'coupons' => array(),
            'consent' => array('sms' => true, 'text' => 'Oui aux SMS', 'at' => '2024-03-05T09:13:20+00:00'),
        ), $data);
        $this->assertNull($this->events->orderCreated(array('order' => new Order(999)), self::NOW), 'an order that does not exist');
    }

    public function testAnOrdersCouponsAreItsCartRulesWithACode()
    {
        CartRule::$rows[3] = array('code' => 'ANNIV20', 'name' => array(1 => 'Anniversaire -20%'));
        CartRule::$rows[4] = array('code' => '', 'name' => array(1 => 'Livraison offerte dès 50 €'));
        Order::$rows[12]['total_discounts_tax_incl'] = '16.880000';
        Order::$rows[12]['cart_rules'] = array(
            array('id_order_cart_rule' => 1, 'id_order' => 12, 'id_cart_rule' => 3, 'id_order_invoice' => 0, 'name' => 'Anniversaire -20%', 'value' => '11.980000', 'value_tax_excl' => '9.980000', 'free_shipping' => 0, 'deleted' => 0),
            array('id_order_cart_rule' => 2, 'id_order' => 12, 'id_cart_rule' => 4, 'id_order_invoice' => 0, 'name' => 'Livraison offerte dès 50 €', 'value' => '4.900000', 'value_tax_excl' => '4.080000', 'free_shipping' => 1, 'deleted' => 0),
        );
        $message = $this->events->orderCreated(array('order' => new Order(12), 'orderStatus' => new OrderState(2)), self::NOW);
        $data = (array) $message['data'];
        $this->assertSame(array(array('code' => 'ANNIV20', 'name' => 'Anniversaire -20%', 'discount' => 11.98)), $data['coupons'], 'the automatic free shipping has no code: no coupon');
        $this->assertSame(16.88, $data['totalDiscounts']);
        // A status change carries them too (the order as it is now).
        $changed = (array) $this->events->statusChanged(array('newOrderStatus' => new OrderState(4), 'oldOrderStatus' => new OrderState(2), 'id_order' => 12), self::NOW)['data'];
        $this->assertSame('ANNIV20', $changed['coupons'][0]['code']);
    }

    public function testStatusChangeOnPrestaShop8UsesOldOrderStatus()
    {
        Order::$rows[12]['current_state'] = 4;
        Order::$rows[12]['tracking'] = '6A12345678901';
        $message = $this->events->statusChanged(array('newOrderStatus' => new OrderState(4), 'oldOrderStatus' => new OrderState(3), 'id_order' => 12), self::NOW);
        $data = (array) $message['data'];
        $this->assertSame('order.status_changed', $message['type']);
        $this->assertSame(array('id' => 3, 'name' => 'En cours de préparation', 'role' => 'processing', 'paid' => true, 'shipped' => false, 'delivered' => false), $data['previousState']);
        $this->assertSame(array('id' => 4, 'name' => 'Expédié', 'role' => 'shipped', 'paid' => true, 'shipped' => true, 'delivered' => true), $data['state']);
        $this->assertSame('6A12345678901', $data['trackingNumber']);
        $this->assertArrayNotHasKey('consent', $data);
    }

    public function testStatusChangeOnPrestaShop17RemembersTheStateBeforeTheChange()
    {
        // 1.7.8: actionOrderStatusUpdate runs while current_state is still the old one; PostUpdate has no oldOrderStatus.
        $this->events->rememberPreviousState(array('newOrderStatus' => new OrderState(42), 'id_order' => 12));
        Order::$rows[12]['current_state'] = 42;
        $message = $this->events->statusChanged(array('newOrderStatus' => new OrderState(42), 'id_order' => 12), self::NOW);
        $data = (array) $message['data'];
        $this->assertSame(2, $data['previousState']['id']);
        $this->assertSame('payment_accepted', $data['previousState']['role']);
        $this->assertSame(array('id' => 42, 'name' => 'Retiré en boutique', 'role' => null, 'paid' => true, 'shipped' => false, 'delivered' => false), $data['state']);
        // Remembered once: a later change without the before-hook is not given a stale previous state.
        $this->assertNull($this->events->statusChanged(array('newOrderStatus' => new OrderState(4), 'id_order' => 12), self::NOW));
    }

    public function testAnOrdersFirstStateOrASameStateIsNoStatusChange()
    {
        $this->assertNull($this->events->statusChanged(array('newOrderStatus' => new OrderState(10), 'oldOrderStatus' => new OrderState(), 'id_order' => 12), self::NOW));
        $this->assertNull($this->events->statusChanged(array('newOrderStatus' => new OrderState(2), 'oldOrderStatus' => new OrderState(2), 'id_order' => 12), self::NOW));
        $this->assertNull($this->events->statusChanged(array('id_order' => 12), self::NOW));
    }

    public function testActionUpdateQuantityGivesTheNewQuantity()
    {
        $product = (array) $this->events->stock(array('id_product' => 77, 'id_product_attribute' => 0, 'quantity' => 2, 'id_shop' => 1), 1, self::NOW)['data'];
        $this->assertSame(array('productId' => 77, 'combinationId' => 0, 'name' => 'Bougie parfumée', 'reference' => 'BG-77', 'quantity' => 2, 'lowStockThreshold' => 3, 'lowStockAlert' => true), $product);
        $combination = $this->events->stock(array('id_product' => 78, 'id_product_attribute' => 901, 'quantity' => 0), 1, self::NOW);
        $this->assertSame('product.stock_changed', $combination['type']);
        $this->assertSame(array('productId' => 78, 'combinationId' => 901, 'name' => 'Diffuseur', 'reference' => 'DF-78-XL', 'quantity' => 0, 'lowStockThreshold' => 1, 'lowStockAlert' => true), (array) $combination['data']);
        $this->assertNull($this->events->stock(array('id_product' => 77), 1, self::NOW));
    }

    public function testActionCustomerAccountAddCarriesTheConsentOnlyWhenTheBoxWasShown()
    {
        $customer = new Customer(5);
        $without = (array) $this->events->customerCreated(array('newCustomer' => $customer), self::NOW)['data'];
        $this->assertSame(array('customer'), array_keys($without));
        $this->assertSame('zoe@example.fr', $without['customer']['email']);
        $this->consent->record(5, false, 'Oui aux SMS', 1, '', 1709630000);
        $with = (array) $this->events->customerCreated(array('newCustomer' => $customer), self::NOW)['data'];
        $this->assertSame(array('sms' => false, 'text' => 'Oui aux SMS', 'at' => '2024-03-05T09:13:20+00:00'), $with['consent']);
    }

    public function testActionCartSaveSendsKnownShoppersCartsThatAreNotOrders()
    {
        $this->consent->record(5, true, 'Oui aux SMS', 1, '', 1709630000);
        $message = $this->events->cart(new Cart(30), 'https://boutique.example.fr/commande?recover_cart=30&token_cart=abc', self::NOW);
        $this->assertSame('cart.updated', $message['type']);
        $data = (array) $message['data'];
        $this->assertSame(30, $data['cartId']);
        $this->assertSame('2024-03-05T09:20:00+00:00', $data['updatedAt']);
        $this->assertSame('EUR', $data['currency']);
        $this->assertSame(59.9, $data['total']);
        $this->assertSame(array(array('productId' => 77, 'combinationId' => 0, 'name' => 'Bougie parfumée', 'quantity' => 2, 'total' => 59.9)), $data['lines']);
        $this->assertSame('06 12 34 56 78', $data['address']['mobilePhone']);
        $this->assertSame('https://boutique.example.fr/commande?recover_cart=30&token_cart=abc', $data['recoveryUrl']);
        $this->assertTrue($data['consent']['sms']);

        Cart::$rows[30]['products'] = array();
        $emptied = $this->events->cart(new Cart(30), '', self::NOW);
        $this->assertSame('cart.emptied', $emptied['type']);
        $this->assertSame(array('cartId' => 30, 'updatedAt' => '2024-03-05T09:20:00+00:00'), (array) $emptied['data']);

        Cart::$rows[30]['ordered'] = true;
        $this->assertNull($this->events->cart(new Cart(30), '', self::NOW), 'the cart became an order');
        Cart::$rows[31] = array('id_customer' => 0, 'products' => array(array('id_product' => 77)));
        $this->assertNull($this->events->cart(new Cart(31), '', self::NOW), 'nobody to remind');
        $this->assertNull($this->events->cart(null, '', self::NOW));
    }

    public function testEveryMessageHasItsOwnDeliveryId()
    {
        $a = $this->events->ping(self::NOW);
        $b = $this->events->ping(self::NOW);
        $this->assertSame('module.ping', $a['type']);
        $this->assertNotSame($a['id'], $b['id']);
        $this->assertSame('{}', json_encode($a['data']));
    }
}
