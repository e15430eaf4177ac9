<?php
/**
 * Posts one signed body to the installation's events route. A fresh timestamp is signed at each
 * attempt, so a payload kept an hour while the hub was down is still inside the hub's five-minute
 * window when it finally goes; its `id` stays the same, so the hub stores it once.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubClient
{
    /** Seconds a hook waits for the hub at most: the shop's page must not wait longer. */
    const TIMEOUT = 3;

    /** @var string */
    private $hubUrl;
    /** @var string */
    private $installationId;
    /** @var string */
    private $secret;
    /** @var object post($url, array $headers, $body, $timeout) => array(status, body, error) */
    private $transport;
    /** @var int */
    private $timeout;

    /**
     * @param string $hubUrl
     * @param string $installationId
     * @param string $secret
     * @param object $transport ConnectorHubCurlTransport or a test double
     * @param int $timeout seconds
     */
    public function __construct($hubUrl, $installationId, $secret, $transport, $timeout = self::TIMEOUT)
    {
        $this->hubUrl = (string) $hubUrl;
        $this->installationId = (string) $installationId;
        $this->secret = (string) $secret;
        $this->transport = $transport;
        $this->timeout = (int) $timeout;
    }

    /**
     * The hub's URL for the installation's events.
     *
     * @param string $hubUrl
     * @param string $installationId
     *
     * @return string
     */
    public static function endpoint($hubUrl, $installationId)
    {
        return rtrim((string) $hubUrl, '/') . '/connectors/prestashop/' . rawurlencode((string) $installationId) . '/events';
    }

    /**
     * @return bool the three connection settings are there
     */
    public function isConfigured()
    {
        return $this->hubUrl !== '' && $this->installationId !== '' && $this->secret !== '';
    }

    /**
     * @param string $body the exact JSON
     * @param string $deliveryId the body's `id`
     * @param int $now unix seconds
     *
     * @return array status (0 when no HTTP answer), body, error
     */
    public function post($body, $deliveryId, $now)
    {
        if (!$this->isConfigured()) {
            return array('status' => 0, 'body' => '', 'error' => 'The hub URL, installation id and secret are not all set.');
        }
        $headers = array(
            'Content-Type: application/json',
            'User-Agent: connectorhub-prestashop',
            ConnectorHubSigner::HEADER . ': ' . ConnectorHubSigner::sign($body, $this->secret, $now),
            ConnectorHubSigner::DELIVERY_HEADER . ': ' . $deliveryId,
        );

        return $this->transport->post(self::endpoint($this->hubUrl, $this->installationId), $headers, $body, $this->timeout);
    }
}
