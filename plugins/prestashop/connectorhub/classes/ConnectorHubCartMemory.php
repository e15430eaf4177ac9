<?php
/**
 * The last cart content sent per cart: actionCartSave fires on every cart save (address, carrier,
 * cookie refresh…); only a changed content is worth a message.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubCartMemory
{
    /** @var Db */
    private $db;
    /** @var string */
    private $table;

    public function __construct($db, $prefix)
    {
        $this->db = $db;
        $this->table = '`' . $prefix . ConnectorHubSchema::CART . '`';
    }

    /**
     * Records the fingerprint; false when it is the one already recorded (nothing changed).
     *
     * @param int $cartId
     * @param string $fingerprint
     * @param int $now
     *
     * @return bool
     */
    public function changed($cartId, $fingerprint, $now)
    {
        $previous = $this->db->getValue('SELECT `fingerprint` FROM ' . $this->table . ' WHERE `id_cart` = ' . (int) $cartId);
        if ($previous === $fingerprint) {
            return false;
        }
        $this->db->execute('REPLACE INTO ' . $this->table . ' (`id_cart`, `fingerprint`, `date_upd`) VALUES (' . (int) $cartId . ', \''
            . $this->db->escape($fingerprint) . '\', \'' . gmdate('Y-m-d H:i:s', (int) $now) . '\')');

        return true;
    }

    /**
     * Forgets carts not changed for $days (the table would grow with every visitor's cart otherwise).
     */
    public function prune($days, $now)
    {
        $this->db->execute('DELETE FROM ' . $this->table . ' WHERE `date_upd` < \'' . gmdate('Y-m-d H:i:s', (int) $now - 86400 * (int) $days) . '\'');
    }
}
