<?php
/**
 * Signs what the module posts to the hub.
 *
 * The same scheme as the WordPress companion plugin and the hub's own outbound webhooks:
 * header `X-Connector-Hub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
 * keyed with the installation's module secret. The timestamp is signed with the body, so the hub
 * refuses a captured request replayed more than five minutes later; the body's unique `id` lets
 * it store each event once, however many times a retry delivers it.
 *
 * Pure PHP (no PrestaShop class): tested without PrestaShop.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubSigner
{
    /** Header carrying the signature. */
    const HEADER = 'X-Connector-Hub-Signature';

    /** Header repeating the body's `id`, for logs and proxies (the signed `id` in the body is authoritative). */
    const DELIVERY_HEADER = 'X-Connector-Hub-Delivery';

    /** Seconds a signature stays valid on either side of now (the hub's tolerance). */
    const TOLERANCE = 300;

    /**
     * @param string $body the exact bytes sent
     * @param string $secret the installation's module secret
     * @param int $timestamp unix seconds
     *
     * @return string the header value
     */
    public static function sign($body, $secret, $timestamp)
    {
        $timestamp = (int) $timestamp;

        return 't=' . $timestamp . ',v1=' . hash_hmac('sha256', $timestamp . '.' . $body, (string) $secret);
    }

    /**
     * Checks a signature header (for the module's tests and tools; the hub does this on its side).
     *
     * @param string $body
     * @param string $header
     * @param string $secret
     * @param int $now unix seconds
     *
     * @return bool
     */
    public static function verify($body, $header, $secret, $now)
    {
        $timestamp = null;
        $candidates = array();
        foreach (explode(',', (string) $header) as $part) {
            $pair = explode('=', trim($part), 2);
            if (count($pair) !== 2) {
                continue;
            }
            if ($pair[0] === 't' && ctype_digit($pair[1])) {
                $timestamp = (int) $pair[1];
            } elseif ($pair[0] === 'v1') {
                $candidates[] = strtolower($pair[1]);
            }
        }
        if ($timestamp === null || abs((int) $now - $timestamp) > self::TOLERANCE) {
            return false;
        }
        $expected = hash_hmac('sha256', $timestamp . '.' . $body, (string) $secret);
        foreach ($candidates as $candidate) {
            if (hash_equals($expected, $candidate)) {
                return true;
            }
        }

        return false;
    }

    /**
     * A random delivery id (UUID v4): unique per event, kept by every retry of it.
     *
     * @return string
     */
    public static function newDeliveryId()
    {
        $bytes = random_bytes(16);
        $bytes[6] = chr((ord($bytes[6]) & 0x0f) | 0x40);
        $bytes[8] = chr((ord($bytes[8]) & 0x3f) | 0x80);
        $hex = bin2hex($bytes);

        return substr($hex, 0, 8) . '-' . substr($hex, 8, 4) . '-' . substr($hex, 12, 4) . '-' . substr($hex, 16, 4) . '-' . substr($hex, 20);
    }
}
