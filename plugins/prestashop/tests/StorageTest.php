<?php

use PHPUnit\Framework\TestCase;

/**
 * The consent table and the cart memory on their real SQL, and the install/uninstall statements.
 */
class StorageTest extends TestCase
{
    /** @var SqliteDb */
    private $db;

    protected function setUp(): void
    {
        $this->db = new SqliteDb();
    }

    public function testConsentIsStoredWithItsExactWordingAndDate()
    {
        $consent = new ConnectorHubConsent($this->db, _DB_PREFIX_);
        $text = 'J\'accepte de recevoir des SMS <b>(STOP au 36180)</b> « offres »';
        $this->assertTrue($consent->record(5, true, $text, 1, '203.0.113.9', 1709630000));
        $this->assertSame(array('consent' => 1, 'text' => $text, 'date_add' => '2024-03-05 09:13:20'), $this->normalize($consent->find(5)));
        $this->assertNull($consent->find(6), 'never shown the checkbox');
        // The last answer wins.
        $consent->record(5, false, $text, 1, '', 1709640000);
        $this->assertSame(0, (int) $consent->find(5)['consent']);
        $this->assertSame(array('sms' => false, 'text' => $text, 'at' => '2024-03-05T12:00:00+00:00'), ConnectorHubPayload::consent($consent->find(5)));
        $this->assertFalse($consent->record(0, true, $text, 1, '', 1709630000), 'no customer');
        $consent->forget(5);
        $this->assertNull($consent->find(5));
    }

    public function testCartMemoryTellsWhetherTheContentChanged()
    {
        $memory = new ConnectorHubCartMemory($this->db, _DB_PREFIX_);
        $this->assertTrue($memory->changed(30, str_repeat('a', 32), 1709630000));
        $this->assertFalse($memory->changed(30, str_repeat('a', 32), 1709630100));
        $this->assertTrue($memory->changed(30, str_repeat('b', 32), 1709630200));
        $this->assertTrue($memory->changed(31, str_repeat('a', 32), 1709630200));
        $memory->prune(30, 1709630200 + 31 * 86400);
        $this->assertTrue($memory->changed(30, str_repeat('b', 32), 1709630200 + 31 * 86400), 'forgotten after 30 days');
    }

    public function testInstallCreatesAndUninstallDropsTheThreeTables()
    {
        $tables = function () {
            return $this->db->pdo->query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ps_%' ORDER BY name")->fetchAll(PDO::FETCH_COLUMN);
        };
        $this->assertSame(array('ps_connectorhub_cart', 'ps_connectorhub_consent', 'ps_connectorhub_outbox'), $tables());
        foreach (ConnectorHubSchema::create('ps_', 'InnoDB') as $sql) {
            $this->assertStringContainsString('CREATE TABLE IF NOT EXISTS `ps_connectorhub_', $sql);
            $this->assertStringEndsWith('ENGINE=InnoDB DEFAULT CHARSET=utf8mb4', $sql);
        }
        foreach (ConnectorHubSchema::drop('ps_') as $sql) {
            $this->db->execute($sql);
        }
        $this->assertSame(array(), $tables());
    }

    private function normalize($row)
    {
        $row['consent'] = (int) $row['consent'];

        return $row;
    }
}
