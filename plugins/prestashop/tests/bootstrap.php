<?php
/**
 * PHPUnit bootstrap: the module's classes with PrestaShop's stubbed (tests/stubs.php) and its
 * tables on SQLite (tests/SqliteDb.php), without PrestaShop.
 */
define('_PS_VERSION_', '8.1.7');
define('_DB_PREFIX_', 'ps_');
define('_MYSQL_ENGINE_', 'InnoDB');

require_once __DIR__ . '/stubs.php';
require_once __DIR__ . '/SqliteDb.php';
foreach (glob(dirname(__DIR__) . '/connectorhub/classes/ConnectorHub*.php') as $file) {
    if (basename($file) !== 'ConnectorHubDbOutboxStore.php') {
        require_once $file;
    }
}
// Implements the interface: loaded after it.
require_once dirname(__DIR__) . '/connectorhub/classes/ConnectorHubDbOutboxStore.php';
