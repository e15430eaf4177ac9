<?php
/**
 * The SMS consent checkbox's answers: one row per customer with the exact wording shown and the
 * date (UTC), kept as proof and sent with the customer's payloads.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubConsent
{
    /** The checkbox's field name in the customer form. */
    const FIELD = 'connectorhub_sms_consent';

    /** @var Db */
    private $db;
    /** @var string */
    private $table;

    /**
     * @param Db $db
     * @param string $prefix _DB_PREFIX_
     */
    public function __construct($db, $prefix)
    {
        $this->db = $db;
        $this->table = '`' . $prefix . ConnectorHubSchema::CONSENT . '`';
    }

    /**
     * Records the answer (the last one wins).
     *
     * @param int $customerId
     * @param bool $ticked
     * @param string $text the checkbox's label as shown
     * @param int $langId
     * @param string $ip
     * @param int $now unix seconds
     *
     * @return bool
     */
    public function record($customerId, $ticked, $text, $langId, $ip, $now)
    {
        if ((int) $customerId <= 0) {
            return false;
        }
        $text = function_exists('mb_substr') ? mb_substr((string) $text, 0, 2000, 'UTF-8') : substr((string) $text, 0, 2000);

        return (bool) $this->db->execute('REPLACE INTO ' . $this->table . ' (`id_customer`, `consent`, `text`, `id_lang`, `ip`, `date_add`) VALUES ('
            . (int) $customerId . ', ' . ($ticked ? 1 : 0) . ', \'' . $this->db->escape($text, true) . '\', ' . (int) $langId . ', \''
            . $this->db->escape(substr((string) $ip, 0, 45)) . '\', \'' . gmdate('Y-m-d H:i:s', (int) $now) . '\')');
    }

    /**
     * @param int $customerId
     *
     * @return array|null consent, text, date_add; null when the customer never saw the checkbox
     */
    public function find($customerId)
    {
        if ((int) $customerId <= 0) {
            return null;
        }
        $row = $this->db->getRow('SELECT `consent`, `text`, `date_add` FROM ' . $this->table . ' WHERE `id_customer` = ' . (int) $customerId);

        return is_array($row) && $row !== array() ? $row : null;
    }

    /**
     * @param int $customerId
     */
    public function forget($customerId)
    {
        $this->db->execute('DELETE FROM ' . $this->table . ' WHERE `id_customer` = ' . (int) $customerId);
    }
}
