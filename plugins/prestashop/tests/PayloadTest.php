<?php

use PHPUnit\Framework\TestCase;

/**
 * The pure builders: PrestaShop field names → the hub's shape.
 */
class PayloadTest extends TestCase
{
    public function testStateRolesComeFromTheShopsOwnConfigurationIds()
    {
        $roles = array('PS_OS_SHIPPING' => 4, 'PS_OS_DELIVERED' => 5, 'PS_OS_CANCELED' => 6, 'PS_OS_REFUND' => 7, 'PS_OS_ERROR' => 8, 'PS_OS_PAYMENT' => 2);
        $this->assertSame('shipped', ConnectorHubStates::role(4, $roles));
        $this->assertSame('delivered', ConnectorHubStates::role(5, $roles));
        $this->assertSame('cancelled', ConnectorHubStates::role(6, $roles));
        $this->assertSame('refunded', ConnectorHubStates::role(7, $roles));
        $this->assertSame('payment_error', ConnectorHubStates::role(8, $roles));
        $this->assertSame('payment_accepted', ConnectorHubStates::role(2, $roles));
        $this->assertNull(ConnectorHubStates::role(42, $roles), 'a custom state has no role');
        $this->assertNull(ConnectorHubStates::role(0, $roles));
        // Ids read from the database come as strings.
        $this->assertSame(array('id' => 4, 'name' => 'Expédié', 'role' => 'shipped', 'paid' => true, 'shipped' => true, 'delivered' => false), ConnectorHubStates::describe(array('id' => '4', 'name' => 'Expédié', 'paid' => '1', 'shipped' => '1', 'delivery' => '0'), array('PS_OS_SHIPPING' => '4')));
    }

    public function testShopTimeBecomesUtcWithOffset()
    {
        $this->assertSame('2024-03-05T09:30:00+00:00', ConnectorHubPayload::fromShopTime('2024-03-05 10:30:00', 'Europe/Paris'));
        $this->assertSame('2024-07-05T08:30:00+00:00', ConnectorHubPayload::fromShopTime('2024-07-05 10:30:00', 'Europe/Paris'));
        $this->assertNull(ConnectorHubPayload::fromShopTime('0000-00-00 00:00:00', 'Europe/Paris'));
        $this->assertNull(ConnectorHubPayload::fromShopTime('', 'UTC'));
        $this->assertSame('2024-03-05T10:30:00+00:00', ConnectorHubPayload::fromShopTime('2024-03-05 10:30:00', 'Not/AZone'));
    }

    public function testAddressKeepsPhonesAsTypedAndEmptyOnesAsNull()
    {
        $address = ConnectorHubPayload::address(array('firstname' => ' Zoé ', 'lastname' => 'Martin', 'country_iso' => 'be', 'phone' => '', 'phone_mobile' => '0470 12 34 56', 'city' => 'Liège'));
        $this->assertSame('Zoé', $address['firstName']);
        $this->assertSame('BE', $address['country']);
        $this->assertNull($address['phone']);
        $this->assertSame('0470 12 34 56', $address['mobilePhone']);
        $this->assertNull(ConnectorHubPayload::address(null));
        $this->assertNull(ConnectorHubPayload::address(array()));
    }

    public function testJsonIsUnescapedAndKeepsFloats()
    {
        $json = ConnectorHubPayload::toJson(array('url' => 'https://a.fr/b', 'name' => 'Bougie « été » <b>', 'total' => 42.0, 'empty' => (object) array()));
        $this->assertSame('{"url":"https://a.fr/b","name":"Bougie « été » <b>","total":42.0,"empty":{}}', $json);
    }

    public function testLongTextsAreClippedOnCharactersNotBytes()
    {
        $stock = ConnectorHubPayload::stock(array('id_product' => 1, 'quantity' => 3, 'name' => str_repeat('é', 300), 'low_stock_threshold' => ''));
        $this->assertSame(200, mb_strlen($stock['name'], 'UTF-8'));
        $this->assertNull($stock['lowStockThreshold']);
    }

    public function testCartFingerprintIgnoresOnlyTheDate()
    {
        $a = array('type' => 'cart.updated', 'data' => array('cartId' => 1, 'updatedAt' => '2024-01-01T00:00:00+00:00', 'total' => 10.0));
        $b = $a;
        $b['data']['updatedAt'] = '2024-01-02T00:00:00+00:00';
        $c = $a;
        $c['data']['total'] = 11.0;
        $d = $a;
        $d['type'] = 'cart.emptied';
        $this->assertSame(ConnectorHubPayload::cartFingerprint($a), ConnectorHubPayload::cartFingerprint($b));
        $this->assertNotSame(ConnectorHubPayload::cartFingerprint($a), ConnectorHubPayload::cartFingerprint($c));
        $this->assertNotSame(ConnectorHubPayload::cartFingerprint($a), ConnectorHubPayload::cartFingerprint($d));
    }
}
