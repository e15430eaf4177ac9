<?php
/**
 * Reads PrestaShop objects into the plain arrays ConnectorHubPayload builds from. The only place
 * that knows PrestaShop's object model; tested with stubs of Order, Cart, Customer, Address…
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubReader
{
    /**
     * @param Order $order
     * @param int|null $stateId the state to describe (the new one in a status change); the order's current one otherwise
     *
     * @return array
     */
    public function order($order, $stateId = null)
    {
        $langId = (int) $order->id_lang;
        $currency = new Currency((int) $order->id_currency);
        $carrier = (int) $order->id_carrier > 0 ? new Carrier((int) $order->id_carrier, $langId) : null;
        $tracking = method_exists($order, 'getWsShippingNumber') ? $order->getWsShippingNumber() : '';

        return array(
            'id' => (int) $order->id,
            'reference' => (string) $order->reference,
            'id_cart' => (int) $order->id_cart,
            'currency' => (string) $currency->iso_code,
            'total_paid_tax_incl' => $order->total_paid_tax_incl,
            'total_products_wt' => $order->total_products_wt,
            'total_shipping_tax_incl' => $order->total_shipping_tax_incl,
            'total_discounts_tax_incl' => $order->total_discounts_tax_incl,
            'payment' => (string) $order->payment,
            'date_add' => (string) $order->date_add,
            'timezone' => $this->timezone(),
            'shipping_number' => $tracking ? (string) $tracking : (string) $order->shipping_number,
            'carrier' => $carrier ? (string) $carrier->name : '',
            'state' => $this->state($stateId !== null ? (int) $stateId : (int) $order->current_state, $langId),
            'roles' => $this->roles(),
            'customer' => $this->customer(new Customer((int) $order->id_customer)),
            'invoice_address' => $this->address((int) $order->id_address_invoice),
            'delivery_address' => $this->address((int) $order->id_address_delivery),
            'products' => $order->getProducts(),
            'cart_rules' => $this->cartRules($order),
        );
    }

    /**
     * The cart rules (vouchers) of an order, as Order::getCartRules() lists them (order_cart_rule rows:
     * id_cart_rule, name, value…), with each rule's code from CartRule: a rule without a code is an
     * automatic promotion, one with a code is a coupon the customer typed.
     *
     * @param Order $order
     *
     * @return array rows: id_cart_rule, code, name, value (tax incl.)
     */
    public function cartRules($order)
    {
        $rules = array();
        foreach ((array) $order->getCartRules() as $row) {
            $rule = new CartRule((int) $row['id_cart_rule']);
            $rules[] = array(
                'id_cart_rule' => (int) $row['id_cart_rule'],
                'code' => (string) $rule->code,
                'name' => (string) $row['name'],
                'value' => $row['value'],
            );
        }

        return $rules;
    }

    /**
     * @param int $stateId
     * @param int $langId
     *
     * @return array id, name, paid, shipped, delivery; id 0 when there is none
     */
    public function state($stateId, $langId)
    {
        if ((int) $stateId <= 0) {
            return array('id' => 0, 'name' => '', 'paid' => false, 'shipped' => false, 'delivery' => false);
        }
        $state = new OrderState((int) $stateId, (int) $langId);
        $names = $state->name;
        $name = is_array($names) ? (string) reset($names) : (string) $names;

        return array('id' => (int) $stateId, 'name' => $name, 'paid' => (bool) $state->paid, 'shipped' => (bool) $state->shipped, 'delivery' => (bool) $state->delivery);
    }

    /**
     * @return array Configuration key => the built-in state's id in this shop
     */
    public function roles()
    {
        $roles = array();
        foreach (array_keys(ConnectorHubStates::ROLES) as $key) {
            $roles[$key] = (int) Configuration::get($key);
        }

        return $roles;
    }

    /**
     * @param Customer $customer
     *
     * @return array
     */
    public function customer($customer)
    {
        return array(
            'id' => (int) $customer->id,
            'email' => (string) $customer->email,
            'firstname' => (string) $customer->firstname,
            'lastname' => (string) $customer->lastname,
            'is_guest' => (bool) $customer->is_guest,
            'newsletter' => (bool) $customer->newsletter,
            'optin' => (bool) $customer->optin,
            'lang_iso' => (int) $customer->id_lang > 0 ? (string) Language::getIsoById((int) $customer->id_lang) : '',
            'date_add' => (string) $customer->date_add,
        );
    }

    /**
     * @param int $addressId
     *
     * @return array|null
     */
    public function address($addressId)
    {
        if ((int) $addressId <= 0) {
            return null;
        }
        $address = new Address((int) $addressId);
        if (!$address->id) {
            return null;
        }

        return array(
            'firstname' => $address->firstname,
            'lastname' => $address->lastname,
            'company' => $address->company,
            'address1' => $address->address1,
            'address2' => $address->address2,
            'postcode' => $address->postcode,
            'city' => $address->city,
            'country_iso' => (string) Country::getIsoById((int) $address->id_country),
            'phone' => $address->phone,
            'phone_mobile' => $address->phone_mobile,
        );
    }

    /**
     * @param Cart $cart
     * @param string $recoveryUrl
     *
     * @return array
     */
    public function cart($cart, $recoveryUrl)
    {
        $currency = new Currency((int) $cart->id_currency);
        $addressId = (int) $cart->id_address_invoice > 0 ? (int) $cart->id_address_invoice : (int) $cart->id_address_delivery;

        return array(
            'id' => (int) $cart->id,
            'currency' => (string) $currency->iso_code,
            'total' => $cart->getOrderTotal(true, Cart::BOTH),
            'date_upd' => (string) $cart->date_upd,
            'timezone' => $this->timezone(),
            'customer' => $this->customer(new Customer((int) $cart->id_customer)),
            'address' => $this->address($addressId),
            'products' => $cart->getProducts(),
            'recovery_url' => (string) $recoveryUrl,
        );
    }

    /**
     * @param int $productId
     * @param int $combinationId 0 for the product itself
     * @param int $quantity the new quantity
     * @param int $langId
     *
     * @return array
     */
    public function stock($productId, $combinationId, $quantity, $langId)
    {
        $product = new Product((int) $productId, false, (int) $langId);
        $source = $product;
        if ((int) $combinationId > 0) {
            $combination = new Combination((int) $combinationId);
            if ($combination->id) {
                $source = $combination;
            }
        }
        $names = $product->name;
        $name = is_array($names) ? (string) reset($names) : (string) $names;
        $threshold = isset($source->low_stock_threshold) ? $source->low_stock_threshold : null;

        return array(
            'id_product' => (int) $productId,
            'id_product_attribute' => (int) $combinationId,
            'quantity' => (int) $quantity,
            'name' => $name,
            'reference' => (string) ($source->reference !== '' && $source->reference !== null ? $source->reference : $product->reference),
            'low_stock_threshold' => $threshold,
            'low_stock_alert' => isset($source->low_stock_alert) ? (bool) $source->low_stock_alert : false,
        );
    }

    /**
     * @return string the shop's time zone, in which PrestaShop stores its dates
     */
    public function timezone()
    {
        $zone = (string) Configuration::get('PS_TIMEZONE');

        return $zone !== '' ? $zone : 'UTC';
    }
}
