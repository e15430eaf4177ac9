<?php
/**
 * The few methods of PrestaShop's Db the module calls (execute, executeS, getRow, getValue,
 * Insert_ID, Affected_Rows, escape), over SQLite in memory, so the module's own SQL runs for real.
 * Its tables are created from ConnectorHubSchema's MySQL statements, translated (toSqlite()).
 */
class SqliteDb
{
    /** @var PDO */
    public $pdo;
    private $affected = 0;

    public function __construct()
    {
        $this->pdo = new PDO('sqlite::memory:');
        $this->pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        foreach (ConnectorHubSchema::create(_DB_PREFIX_, _MYSQL_ENGINE_) as $sql) {
            $this->pdo->exec(self::toSqlite($sql));
        }
    }

    /**
     * MySQL DDL → SQLite: the auto-increment key, unsigned, secondary keys and table options.
     */
    public static function toSqlite($sql)
    {
        $sql = preg_replace('/`(\w+)` int\(10\) unsigned NOT NULL AUTO_INCREMENT/', '`$1` INTEGER PRIMARY KEY AUTOINCREMENT', $sql);
        $sql = preg_replace('/,\s*PRIMARY KEY \(`id_outbox`\)/', '', $sql);
        $sql = preg_replace('/,\s*KEY `\w+` \([^)]*\)/', '', $sql);
        $sql = str_replace(' unsigned', '', $sql);

        return preg_replace('/\)\s*ENGINE=.*$/s', ')', $sql);
    }

    public function execute($sql)
    {
        $this->affected = $this->pdo->exec($sql);

        return $this->affected !== false;
    }

    public function executeS($sql)
    {
        return $this->pdo->query($sql)->fetchAll(PDO::FETCH_ASSOC);
    }

    public function getRow($sql)
    {
        $row = $this->pdo->query($sql . ' LIMIT 1')->fetch(PDO::FETCH_ASSOC);

        return $row === false ? false : $row;
    }

    public function getValue($sql)
    {
        $row = $this->getRow($sql);

        return $row === false ? false : reset($row);
    }

    public function Insert_ID()
    {
        return (int) $this->pdo->lastInsertId();
    }

    public function Affected_Rows()
    {
        return (int) $this->affected;
    }

    /** As Db::escape($string, $htmlOK): SQL quoting; without $htmlOK PrestaShop also strips tags. */
    public function escape($string, $htmlOK = false)
    {
        $string = (string) $string;
        if (!$htmlOK) {
            $string = strip_tags($string);
        }

        return substr($this->pdo->quote($string), 1, -1);
    }
}
