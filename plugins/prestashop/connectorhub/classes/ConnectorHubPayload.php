<?php
/**
 * Builds the JSON the module posts to the hub, from plain arrays in PrestaShop's own field names
 * (what ConnectorHubReader reads off Order, Customer, Address, OrderState, Cart…).
 *
 * Every message is one envelope: { type, id, occurredAt, shop, module, data }. The shapes are the
 * contract the hub implements: plugins/prestashop/PAYLOAD.md. Pure PHP, tested without PrestaShop.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubPayload
{
    /**
     * The envelope every message shares.
     *
     * @param string $type order.created, order.status_changed, product.stock_changed, customer.created, cart.updated, cart.emptied, module.ping
     * @param string $id the delivery id (ConnectorHubSigner::newDeliveryId()), kept by retries
     * @param int $occurredAt unix seconds
     * @param array $shop id, name, url
     * @param string $moduleVersion
     * @param string $psVersion _PS_VERSION_
     * @param array $data
     *
     * @return array
     */
    public static function envelope($type, $id, $occurredAt, array $shop, $moduleVersion, $psVersion, array $data)
    {
        return array(
            'type' => (string) $type,
            'id' => (string) $id,
            'occurredAt' => self::iso8601((int) $occurredAt),
            'shop' => array(
                'id' => (int) self::value($shop, 'id', 0),
                'name' => self::clip((string) self::value($shop, 'name', ''), 200),
                'url' => self::clip((string) self::value($shop, 'url', ''), 2048),
            ),
            'module' => array('version' => (string) $moduleVersion, 'prestashop' => (string) $psVersion),
            'data' => (object) $data,
        );
    }

    /**
     * `order.created` data: the order as validated (actionValidateOrder).
     *
     * @param array $order see order()
     * @param array|null $consent the customer's stored SMS consent, see consent()
     *
     * @return array
     */
    public static function orderCreated(array $order, $consent)
    {
        $data = self::order($order);
        if ($consent !== null) {
            $data['consent'] = self::consent($consent);
        }

        return $data;
    }

    /**
     * `order.status_changed` data.
     *
     * @param array $order see order(); its state is the new one
     * @param array $previousState see state()
     * @param array $roles Configuration key => state id, see ConnectorHubStates::ROLES
     *
     * @return array
     */
    public static function orderStatusChanged(array $order, array $previousState, array $roles)
    {
        $data = self::order($order);
        $data['previousState'] = ConnectorHubStates::describe($previousState, $roles);

        return $data;
    }

    /**
     * An order in the hub's shape.
     *
     * @param array $order id, reference, id_cart, currency (ISO), total_paid_tax_incl, total_products_wt,
     *                     total_shipping_tax_incl, total_discounts_tax_incl, payment, date_add (shop time),
     *                     timezone, shipping_number, carrier, state (see state()), roles, customer
     *                     (see customer()), invoice_address and delivery_address (see address()),
     *                     products (rows of Order::getProducts()), cart_rules (see coupons())
     *
     * @return array
     */
    public static function order(array $order)
    {
        $lines = array();
        foreach ((array) self::value($order, 'products', array()) as $row) {
            $lines[] = array(
                'productId' => (int) self::value($row, 'product_id', 0),
                'combinationId' => (int) self::value($row, 'product_attribute_id', 0),
                'name' => self::clip((string) self::value($row, 'product_name', ''), 200),
                'reference' => self::clip((string) self::value($row, 'product_reference', ''), 64),
                'quantity' => (int) self::value($row, 'product_quantity', 0),
                'total' => round((float) self::value($row, 'total_price_tax_incl', 0), 2),
            );
        }
        $timezone = (string) self::value($order, 'timezone', 'UTC');

        return array(
            'orderId' => (int) self::value($order, 'id', 0),
            'reference' => (string) self::value($order, 'reference', ''),
            'cartId' => (int) self::value($order, 'id_cart', 0),
            'createdAt' => self::fromShopTime((string) self::value($order, 'date_add', ''), $timezone),
            'state' => ConnectorHubStates::describe((array) self::value($order, 'state', array()), (array) self::value($order, 'roles', array())),
            'currency' => strtoupper((string) self::value($order, 'currency', '')),
            'total' => round((float) self::value($order, 'total_paid_tax_incl', 0), 2),
            'totalProducts' => round((float) self::value($order, 'total_products_wt', 0), 2),
            'totalShipping' => round((float) self::value($order, 'total_shipping_tax_incl', 0), 2),
            'totalDiscounts' => round((float) self::value($order, 'total_discounts_tax_incl', 0), 2),
            'payment' => self::clip((string) self::value($order, 'payment', ''), 100),
            'carrier' => self::clip((string) self::value($order, 'carrier', ''), 100),
            'trackingNumber' => self::nullable(self::value($order, 'shipping_number', '')),
            'customer' => self::customer((array) self::value($order, 'customer', array()), $timezone),
            'invoiceAddress' => self::address(self::value($order, 'invoice_address', null)),
            'deliveryAddress' => self::address(self::value($order, 'delivery_address', null)),
            'lines' => $lines,
            'coupons' => self::coupons((array) self::value($order, 'cart_rules', array())),
        );
    }

    /**
     * The coupons used in an order: its cart rules that have a code (automatic promotions have none).
     * The hub announces each as `coupon.used`.
     *
     * @param array $rules rows of ConnectorHubReader::cartRules(): code, name, value
     *
     * @return array code, name, discount (tax incl.)
     */
    public static function coupons(array $rules)
    {
        $coupons = array();
        foreach ($rules as $rule) {
            $code = trim((string) self::value($rule, 'code', ''));
            if ($code === '') {
                continue;
            }
            $coupons[] = array(
                'code' => self::clip($code, 100),
                'name' => self::clip((string) self::value($rule, 'name', ''), 200),
                'discount' => round((float) self::value($rule, 'value', 0), 2),
            );
        }

        return $coupons;
    }

    /**
     * `product.stock_changed` data (actionUpdateQuantity): the new quantity; the hub decides low,
     * out of stock or back in stock from it and what it remembers.
     *
     * @param array $stock id_product, id_product_attribute, quantity, name, reference, low_stock_threshold, low_stock_alert, id_shop
     *
     * @return array
     */
    public static function stock(array $stock)
    {
        $threshold = self::value($stock, 'low_stock_threshold', null);

        return array(
            'productId' => (int) self::value($stock, 'id_product', 0),
            'combinationId' => (int) self::value($stock, 'id_product_attribute', 0),
            'name' => self::clip((string) self::value($stock, 'name', ''), 200),
            'reference' => self::clip((string) self::value($stock, 'reference', ''), 64),
            'quantity' => (int) self::value($stock, 'quantity', 0),
            'lowStockThreshold' => $threshold === null || $threshold === '' ? null : (int) $threshold,
            'lowStockAlert' => (bool) self::value($stock, 'low_stock_alert', false),
        );
    }

    /**
     * `customer.created` data (actionCustomerAccountAdd).
     *
     * @param array $customer see customer()
     * @param array|null $consent see consent(); null when the checkbox was not shown
     * @param string $timezone the shop's (PS_TIMEZONE)
     *
     * @return array
     */
    public static function customerCreated(array $customer, $consent, $timezone)
    {
        $data = array('customer' => self::customer($customer, $timezone));
        if ($consent !== null) {
            $data['consent'] = self::consent($consent);
        }

        return $data;
    }

    /**
     * A customer; PrestaShop keeps phones on addresses, not on the customer.
     *
     * @param array $customer id, email, firstname, lastname, is_guest, newsletter, optin, lang_iso, date_add
     * @param string $timezone
     *
     * @return array
     */
    public static function customer(array $customer, $timezone)
    {
        return array(
            'customerId' => (int) self::value($customer, 'id', 0),
            'email' => self::clip(trim((string) self::value($customer, 'email', '')), 254),
            'firstName' => self::clip(trim((string) self::value($customer, 'firstname', '')), 100),
            'lastName' => self::clip(trim((string) self::value($customer, 'lastname', '')), 100),
            'guest' => (bool) self::value($customer, 'is_guest', false),
            'newsletter' => (bool) self::value($customer, 'newsletter', false),
            'partnerOffers' => (bool) self::value($customer, 'optin', false),
            'language' => strtolower((string) self::value($customer, 'lang_iso', '')),
            'createdAt' => self::fromShopTime((string) self::value($customer, 'date_add', ''), $timezone),
        );
    }

    /**
     * An address, phones as typed (the hub reads them in the address's country).
     *
     * @param array|null $address firstname, lastname, company, address1, address2, postcode, city, country_iso, phone, phone_mobile
     *
     * @return array|null
     */
    public static function address($address)
    {
        if (!is_array($address) || $address === array()) {
            return null;
        }

        return array(
            'firstName' => self::clip(trim((string) self::value($address, 'firstname', '')), 100),
            'lastName' => self::clip(trim((string) self::value($address, 'lastname', '')), 100),
            'company' => self::clip(trim((string) self::value($address, 'company', '')), 255),
            'address1' => self::clip(trim((string) self::value($address, 'address1', '')), 255),
            'address2' => self::clip(trim((string) self::value($address, 'address2', '')), 255),
            'postcode' => self::clip(trim((string) self::value($address, 'postcode', '')), 20),
            'city' => self::clip(trim((string) self::value($address, 'city', '')), 100),
            'country' => strtoupper(self::clip(trim((string) self::value($address, 'country_iso', '')), 2)),
            'phone' => self::nullable(self::value($address, 'phone', '')),
            'mobilePhone' => self::nullable(self::value($address, 'phone_mobile', '')),
        );
    }

    /**
     * `cart.updated` data (actionCartSave).
     *
     * @param array $cart id, currency (ISO), total (taxes included), date_upd, timezone, customer
     *                    (see customer()), address (see address()), products (rows of Cart::getProducts()),
     *                    recovery_url
     * @param array|null $consent see consent()
     *
     * @return array
     */
    public static function cartUpdated(array $cart, $consent)
    {
        $lines = array();
        foreach ((array) self::value($cart, 'products', array()) as $row) {
            $lines[] = array(
                'productId' => (int) self::value($row, 'id_product', 0),
                'combinationId' => (int) self::value($row, 'id_product_attribute', 0),
                'name' => self::clip((string) self::value($row, 'name', ''), 200),
                'quantity' => (int) self::value($row, 'cart_quantity', 0),
                'total' => round((float) self::value($row, 'total_wt', 0), 2),
            );
        }
        $timezone = (string) self::value($cart, 'timezone', 'UTC');
        $data = array(
            'cartId' => (int) self::value($cart, 'id', 0),
            'updatedAt' => self::fromShopTime((string) self::value($cart, 'date_upd', ''), $timezone),
            'customer' => self::customer((array) self::value($cart, 'customer', array()), $timezone),
            'address' => self::address(self::value($cart, 'address', null)),
            'currency' => strtoupper((string) self::value($cart, 'currency', '')),
            'total' => round((float) self::value($cart, 'total', 0), 2),
            'lines' => $lines,
            'recoveryUrl' => self::nullable(self::value($cart, 'recovery_url', ''), 2048),
        );
        if ($consent !== null) {
            $data['consent'] = self::consent($consent);
        }

        return $data;
    }

    /**
     * The stored answer to the SMS checkbox, as proof: ticked or not, its exact wording, when.
     *
     * @param array $consent consent (0/1), text, date_add (UTC, Y-m-d H:i:s as stored by the module)
     *
     * @return array
     */
    public static function consent(array $consent)
    {
        return array(
            'sms' => (bool) self::value($consent, 'consent', false),
            'text' => self::clip((string) self::value($consent, 'text', ''), 2000),
            'at' => self::fromShopTime((string) self::value($consent, 'date_add', ''), 'UTC'),
        );
    }

    /**
     * A cart message's content digest, to post only carts that changed.
     *
     * @param array $envelope a cart.updated or cart.emptied envelope
     *
     * @return string
     */
    public static function cartFingerprint(array $envelope)
    {
        $data = (array) $envelope['data'];
        unset($data['updatedAt']);

        return md5($envelope['type'] . self::toJson($data));
    }

    /**
     * The body as sent and signed: unescaped slashes and Unicode, floats kept as floats.
     *
     * @param array $payload
     *
     * @return string
     */
    public static function toJson(array $payload)
    {
        return (string) json_encode($payload, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
    }

    /**
     * @param int $timestamp unix seconds
     *
     * @return string ISO 8601 in UTC
     */
    public static function iso8601($timestamp)
    {
        return gmdate('Y-m-d\TH:i:s+00:00', (int) $timestamp);
    }

    /**
     * PrestaShop stores dates in the shop's time zone without offset; the hub needs one.
     *
     * @param string $local Y-m-d H:i:s
     * @param string $timezone PS_TIMEZONE
     *
     * @return string|null
     */
    public static function fromShopTime($local, $timezone)
    {
        if ($local === '' || strpos($local, '0000-00-00') === 0) {
            return null;
        }
        try {
            $zone = new DateTimeZone($timezone !== '' ? $timezone : 'UTC');
        } catch (Exception $e) {
            $zone = new DateTimeZone('UTC');
        }
        $date = DateTime::createFromFormat('Y-m-d H:i:s', $local, $zone);
        if ($date === false) {
            return null;
        }

        return self::iso8601($date->getTimestamp());
    }

    private static function value(array $source, $key, $default)
    {
        return array_key_exists($key, $source) && $source[$key] !== null ? $source[$key] : $default;
    }

    private static function nullable($value, $length = 64)
    {
        $value = trim((string) $value);

        return $value === '' ? null : self::clip($value, $length);
    }

    private static function clip($text, $length)
    {
        return function_exists('mb_substr') ? mb_substr($text, 0, $length, 'UTF-8') : substr($text, 0, $length);
    }
}
