<?php
/**
 * Hook parameters → the messages to send (envelopes), or null when there is nothing to tell.
 * Hook names and parameters are PrestaShop's (classes/PaymentModule.php, classes/order/OrderHistory.php,
 * classes/stock/StockAvailable.php, classes/form/CustomerPersister.php, classes/Cart.php).
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubEvents
{
    /**
     * Order id => its state before the change being made, read in actionOrderStatusUpdate: PrestaShop
     * 1.7 passes no oldOrderStatus to actionOrderStatusPostUpdate (8.0 and later do), and by then the
     * order's current_state is already the new one.
     *
     * @var array
     */
    private static $previousStates = array();

    /** @var ConnectorHubReader */
    private $reader;
    /** @var ConnectorHubConsent */
    private $consent;
    /** @var array */
    private $shop;
    /** @var string */
    private $moduleVersion;
    /** @var string */
    private $psVersion;

    public function __construct(ConnectorHubReader $reader, ConnectorHubConsent $consent, array $shop, $moduleVersion, $psVersion)
    {
        $this->reader = $reader;
        $this->consent = $consent;
        $this->shop = $shop;
        $this->moduleVersion = (string) $moduleVersion;
        $this->psVersion = (string) $psVersion;
    }

    /**
     * actionValidateOrder: order, cart, customer, currency, orderStatus.
     *
     * @return array|null
     */
    public function orderCreated(array $params, $now)
    {
        if (!isset($params['order']) || !is_object($params['order']) || !(int) $params['order']->id) {
            return null;
        }
        $order = $params['order'];
        // The order's current_state is set after this hook (OrderHistory::changeIdOrderState): the state is the hook's orderStatus.
        $stateId = isset($params['orderStatus']) && is_object($params['orderStatus']) ? (int) $params['orderStatus']->id : (int) $order->current_state;
        $data = ConnectorHubPayload::orderCreated($this->reader->order($order, $stateId), $this->consent->find((int) $order->id_customer));

        return $this->envelope('order.created', $data, $now);
    }

    /**
     * actionOrderStatusUpdate (before the change): newOrderStatus, id_order.
     */
    public function rememberPreviousState(array $params)
    {
        if (empty($params['id_order'])) {
            return;
        }
        $order = new Order((int) $params['id_order']);
        self::$previousStates[(int) $params['id_order']] = (int) $order->current_state;
    }

    /**
     * actionOrderStatusPostUpdate: newOrderStatus, id_order, and oldOrderStatus since PrestaShop 8.
     *
     * @return array|null null for an order's first state (order.created carries it) or no change
     */
    public function statusChanged(array $params, $now)
    {
        if (empty($params['id_order']) || !isset($params['newOrderStatus']) || !is_object($params['newOrderStatus'])) {
            return null;
        }
        $orderId = (int) $params['id_order'];
        $newId = (int) $params['newOrderStatus']->id;
        $oldId = 0;
        if (isset($params['oldOrderStatus']) && is_object($params['oldOrderStatus'])) {
            $oldId = (int) $params['oldOrderStatus']->id;
        } elseif (isset(self::$previousStates[$orderId])) {
            $oldId = self::$previousStates[$orderId];
        }
        unset(self::$previousStates[$orderId]);
        if ($oldId <= 0 || $oldId === $newId) {
            return null;
        }
        $order = new Order($orderId);
        if (!(int) $order->id) {
            return null;
        }
        $data = ConnectorHubPayload::orderStatusChanged(
            $this->reader->order($order, $newId),
            $this->reader->state($oldId, (int) $order->id_lang),
            $this->reader->roles()
        );

        return $this->envelope('order.status_changed', $data, $now);
    }

    /**
     * actionUpdateQuantity: id_product, id_product_attribute, quantity (the new quantity), id_shop since 8.
     *
     * @return array|null
     */
    public function stock(array $params, $langId, $now)
    {
        if (empty($params['id_product']) || !array_key_exists('quantity', $params)) {
            return null;
        }
        $stock = $this->reader->stock((int) $params['id_product'], isset($params['id_product_attribute']) ? (int) $params['id_product_attribute'] : 0, (int) $params['quantity'], $langId);

        return $this->envelope('product.stock_changed', ConnectorHubPayload::stock($stock), $now);
    }

    /**
     * actionCustomerAccountAdd: newCustomer (the consent is recorded before this is built).
     *
     * @return array|null
     */
    public function customerCreated(array $params, $now)
    {
        if (!isset($params['newCustomer']) || !is_object($params['newCustomer']) || !(int) $params['newCustomer']->id) {
            return null;
        }
        $customer = $params['newCustomer'];
        $data = ConnectorHubPayload::customerCreated($this->reader->customer($customer), $this->consent->find((int) $customer->id), $this->reader->timezone());

        return $this->envelope('customer.created', $data, $now);
    }

    /**
     * actionCartSave: `cart` since PrestaShop 8 (Cart::update), the context's cart otherwise.
     * Only carts of a known customer (someone to remind) that did not become an order.
     *
     * @param Cart|null $cart
     * @param string $recoveryUrl
     *
     * @return array|null
     */
    public function cart($cart, $recoveryUrl, $now)
    {
        if (!is_object($cart) || !(int) $cart->id || !(int) $cart->id_customer || $cart->orderExists()) {
            return null;
        }
        $raw = $this->reader->cart($cart, $recoveryUrl);
        if ($raw['products'] === array() || $raw['products'] === false) {
            return $this->envelope('cart.emptied', array(
                'cartId' => (int) $cart->id,
                'updatedAt' => ConnectorHubPayload::fromShopTime($raw['date_upd'], $raw['timezone']),
            ), $now);
        }

        return $this->envelope('cart.updated', ConnectorHubPayload::cartUpdated($raw, $this->consent->find((int) $cart->id_customer)), $now);
    }

    /**
     * The connection test's message.
     */
    public function ping($now)
    {
        return $this->envelope('module.ping', array(), $now);
    }

    private function envelope($type, array $data, $now)
    {
        return ConnectorHubPayload::envelope($type, ConnectorHubSigner::newDeliveryId(), $now, $this->shop, $this->moduleVersion, $this->psVersion, $data);
    }
}
