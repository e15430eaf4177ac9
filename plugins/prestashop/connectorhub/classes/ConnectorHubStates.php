<?php
/**
 * Order states as the hub maps them: PrestaShop's built-in states have different ids in each shop,
 * so the module names them by the Configuration key holding their id (a role); custom states have none.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubStates
{
    /** Built-in state's Configuration key => role. */
    const ROLES = array(
        'PS_OS_CHEQUE' => 'awaiting_payment',
        'PS_OS_BANKWIRE' => 'awaiting_payment',
        'PS_OS_COD_VALIDATION' => 'awaiting_payment',
        'PS_OS_PAYMENT' => 'payment_accepted',
        'PS_OS_WS_PAYMENT' => 'payment_accepted',
        'PS_OS_PREPARATION' => 'processing',
        'PS_OS_SHIPPING' => 'shipped',
        'PS_OS_DELIVERED' => 'delivered',
        'PS_OS_CANCELED' => 'cancelled',
        'PS_OS_REFUND' => 'refunded',
        'PS_OS_ERROR' => 'payment_error',
        'PS_OS_OUTOFSTOCK' => 'backorder',
        'PS_OS_OUTOFSTOCK_PAID' => 'backorder',
        'PS_OS_OUTOFSTOCK_UNPAID' => 'backorder',
    );

    /**
     * An order state with the role the hub maps it by.
     *
     * @param array $state id, name (in the order's language), paid, shipped, delivery
     * @param array $roles Configuration key => state id in this shop
     *
     * @return array
     */
    public static function describe(array $state, array $roles)
    {
        $id = isset($state['id']) ? (int) $state['id'] : 0;
        $name = isset($state['name']) ? (string) $state['name'] : '';

        return array(
            'id' => $id,
            'name' => function_exists('mb_substr') ? mb_substr($name, 0, 100, 'UTF-8') : substr($name, 0, 100),
            'role' => self::role($id, $roles),
            'paid' => !empty($state['paid']),
            'shipped' => !empty($state['shipped']),
            'delivered' => !empty($state['delivery']),
        );
    }

    /**
     * @param int $stateId
     * @param array $roles Configuration key => state id in this shop
     *
     * @return string|null null for a state PrestaShop does not ship (a custom state)
     */
    public static function role($stateId, array $roles)
    {
        if ((int) $stateId <= 0) {
            return null;
        }
        foreach (self::ROLES as $key => $role) {
            if (isset($roles[$key]) && (int) $roles[$key] === (int) $stateId) {
                return $role;
            }
        }

        return null;
    }
}
