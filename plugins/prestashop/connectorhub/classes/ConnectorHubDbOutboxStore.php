<?php
/**
 * The outbox in the shop's database, through PrestaShop's Db.
 *
 * Bodies are escaped with Db::escape($value, true): without $htmlOK it strips tags, which would
 * alter a JSON body holding "<" (a product name) and break its signature.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubDbOutboxStore implements ConnectorHubOutboxStore
{
    const PAUSE_KEY = 'CONNECTORHUB_PAUSED_UNTIL';

    /** @var Db */
    private $db;
    /** @var string */
    private $table;

    /**
     * @param Db $db Db::getInstance()
     * @param string $prefix _DB_PREFIX_
     */
    public function __construct($db, $prefix)
    {
        $this->db = $db;
        $this->table = '`' . $prefix . ConnectorHubSchema::OUTBOX . '`';
    }

    public function insert(array $row)
    {
        $this->db->execute('INSERT INTO ' . $this->table . ' (`event_id`, `type`, `body`, `status`, `attempts`, `next_attempt_at`, `created_at`) VALUES ('
            . $this->text($row['event_id']) . ', ' . $this->text($row['type']) . ', ' . $this->text($row['body']) . ', \'pending\', '
            . (int) $row['attempts'] . ', ' . (int) $row['next_attempt_at'] . ', ' . (int) $row['created_at'] . ')');

        return (int) $this->db->Insert_ID();
    }

    public function due($now, $limit)
    {
        $rows = $this->db->executeS('SELECT * FROM ' . $this->table . ' WHERE `status` = \'pending\' AND `next_attempt_at` <= ' . (int) $now
            . ' ORDER BY `id_outbox` LIMIT ' . max(1, (int) $limit));

        return is_array($rows) ? $rows : array();
    }

    public function claim($id, $expectedNext, $leaseUntil)
    {
        $this->db->execute('UPDATE ' . $this->table . ' SET `next_attempt_at` = ' . (int) $leaseUntil
            . ' WHERE `id_outbox` = ' . (int) $id . ' AND `status` = \'pending\' AND `next_attempt_at` = ' . (int) $expectedNext);

        return (int) $this->db->Affected_Rows() === 1;
    }

    public function delete($id)
    {
        $this->db->execute('DELETE FROM ' . $this->table . ' WHERE `id_outbox` = ' . (int) $id);
    }

    public function reschedule($id, $attempts, $nextAttemptAt, $lastStatus, $lastError)
    {
        $this->db->execute('UPDATE ' . $this->table . ' SET `attempts` = ' . (int) $attempts . ', `next_attempt_at` = ' . (int) $nextAttemptAt
            . ', `last_status` = ' . (int) $lastStatus . ', `last_error` = ' . $this->text($lastError) . ' WHERE `id_outbox` = ' . (int) $id);
    }

    public function fail($id, $attempts, $lastStatus, $lastError)
    {
        $this->db->execute('UPDATE ' . $this->table . ' SET `status` = \'failed\', `attempts` = ' . (int) $attempts
            . ', `last_status` = ' . (int) $lastStatus . ', `last_error` = ' . $this->text($lastError) . ' WHERE `id_outbox` = ' . (int) $id);
    }

    public function requeueFailed($now)
    {
        $this->db->execute('UPDATE ' . $this->table . ' SET `status` = \'pending\', `attempts` = 0, `next_attempt_at` = ' . (int) $now
            . ' WHERE `status` = \'failed\'');

        return (int) $this->db->Affected_Rows();
    }

    public function counts()
    {
        $counts = array('pending' => 0, 'failed' => 0);
        $rows = $this->db->executeS('SELECT `status`, COUNT(*) AS `n` FROM ' . $this->table . ' GROUP BY `status`');
        foreach (is_array($rows) ? $rows : array() as $row) {
            $counts[$row['status']] = (int) $row['n'];
        }

        return $counts;
    }

    public function pausedUntil()
    {
        return (int) Configuration::getGlobalValue(self::PAUSE_KEY);
    }

    public function pause($until)
    {
        Configuration::updateGlobalValue(self::PAUSE_KEY, (int) $until);
    }

    private function text($value)
    {
        return '\'' . $this->db->escape((string) $value, true) . '\'';
    }
}
