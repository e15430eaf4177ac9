<?php
/**
 * Stand-ins for the PrestaShop classes the module reads, with the same property and method names
 * (classes/order/Order.php, classes/Cart.php, classes/Customer.php, classes/Address.php…). Each
 * class's rows are set by the tests: `Order::$rows[12] = array('reference' => 'XKBKNABJK', …)`.
 */
abstract class StubModel
{
    public $id;
    private $data = array();

    public function __construct($id = null, $full = null, $langId = null)
    {
        $rows = static::$rows;
        if ($id !== null && isset($rows[(int) $id])) {
            $this->id = (int) $id;
            $this->data = $rows[(int) $id];
        }
    }

    public function __get($name)
    {
        return array_key_exists($name, $this->data) ? $this->data[$name] : null;
    }

    public function __set($name, $value)
    {
        $this->data[$name] = $value;
    }

    public function __isset($name)
    {
        return isset($this->data[$name]);
    }

    public static function reset()
    {
        static::$rows = array();
    }
}

class Order extends StubModel
{
    public static $rows = array();

    public function getProducts()
    {
        return $this->products ?: array();
    }

    public function getWsShippingNumber()
    {
        return $this->tracking ?: '';
    }

    /** Rows of order_cart_rule: id_order_cart_rule, id_order, id_cart_rule, id_order_invoice, name, value, value_tax_excl, free_shipping, deleted. */
    public function getCartRules()
    {
        return $this->cart_rules ?: array();
    }
}

class CartRule extends StubModel
{
    public static $rows = array();
}

class OrderState extends StubModel
{
    public static $rows = array();
}

class Currency extends StubModel
{
    public static $rows = array();
}

class Carrier extends StubModel
{
    public static $rows = array();
}

class Customer extends StubModel
{
    public static $rows = array();
}

class Address extends StubModel
{
    public static $rows = array();
}

class Product extends StubModel
{
    public static $rows = array();
}

class Combination extends StubModel
{
    public static $rows = array();
}

class Cart extends StubModel
{
    const BOTH = 3;

    public static $rows = array();

    public function getProducts()
    {
        return $this->products ?: array();
    }

    public function getOrderTotal($withTaxes = true, $type = self::BOTH)
    {
        return $this->total;
    }

    public function orderExists()
    {
        return (bool) $this->ordered;
    }
}

class Country
{
    public static $isoById = array();

    public static function getIsoById($id)
    {
        return isset(self::$isoById[(int) $id]) ? self::$isoById[(int) $id] : false;
    }
}

class Language
{
    public static $isoById = array();

    public static function getIsoById($id)
    {
        return isset(self::$isoById[(int) $id]) ? self::$isoById[(int) $id] : false;
    }
}

class Configuration
{
    public static $values = array();

    public static function get($key)
    {
        return isset(self::$values[$key]) ? self::$values[$key] : false;
    }

    public static function getGlobalValue($key)
    {
        return self::get($key);
    }

    public static function updateGlobalValue($key, $value)
    {
        self::$values[$key] = (string) $value;

        return true;
    }
}
