<?php
/**
 * The module's tables: the outbox (payloads not yet delivered), the SMS consent given at
 * registration (with its wording, as proof), and the last cart content sent (to post changes only).
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubSchema
{
    const OUTBOX = 'connectorhub_outbox';
    const CONSENT = 'connectorhub_consent';
    const CART = 'connectorhub_cart';

    /**
     * @param string $prefix _DB_PREFIX_
     * @param string $engine _MYSQL_ENGINE_
     *
     * @return string[] CREATE TABLE statements
     */
    public static function create($prefix, $engine)
    {
        $options = ' ENGINE=' . $engine . ' DEFAULT CHARSET=utf8mb4';

        return array(
            'CREATE TABLE IF NOT EXISTS `' . $prefix . self::OUTBOX . '` (
                `id_outbox` int(10) unsigned NOT NULL AUTO_INCREMENT,
                `event_id` varchar(64) NOT NULL,
                `type` varchar(64) NOT NULL,
                `body` mediumtext NOT NULL,
                `status` varchar(16) NOT NULL DEFAULT \'pending\',
                `attempts` int(10) unsigned NOT NULL DEFAULT 0,
                `next_attempt_at` int(10) unsigned NOT NULL,
                `created_at` int(10) unsigned NOT NULL,
                `last_status` int(10) unsigned NOT NULL DEFAULT 0,
                `last_error` text NULL,
                PRIMARY KEY (`id_outbox`),
                KEY `due` (`status`, `next_attempt_at`)
            )' . $options,
            'CREATE TABLE IF NOT EXISTS `' . $prefix . self::CONSENT . '` (
                `id_customer` int(10) unsigned NOT NULL,
                `consent` tinyint(1) unsigned NOT NULL,
                `text` text NOT NULL,
                `id_lang` int(10) unsigned NOT NULL DEFAULT 0,
                `ip` varchar(45) NOT NULL DEFAULT \'\',
                `date_add` datetime NOT NULL,
                PRIMARY KEY (`id_customer`)
            )' . $options,
            'CREATE TABLE IF NOT EXISTS `' . $prefix . self::CART . '` (
                `id_cart` int(10) unsigned NOT NULL,
                `fingerprint` char(32) NOT NULL,
                `date_upd` datetime NOT NULL,
                PRIMARY KEY (`id_cart`)
            )' . $options,
        );
    }

    /**
     * @param string $prefix
     *
     * @return string[] DROP TABLE statements
     */
    public static function drop($prefix)
    {
        return array(
            'DROP TABLE IF EXISTS `' . $prefix . self::OUTBOX . '`',
            'DROP TABLE IF EXISTS `' . $prefix . self::CONSENT . '`',
            'DROP TABLE IF EXISTS `' . $prefix . self::CART . '`',
        );
    }
}
