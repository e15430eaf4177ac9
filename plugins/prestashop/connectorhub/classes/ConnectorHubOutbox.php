<?php
/**
 * Every payload is written to the module's outbox table before it is sent, then deleted once the
 * hub has answered 2xx. What cannot be sent now (no answer, 408, 429, 5xx) stays, with a backoff,
 * and is sent again by the next hooks (a few at a time) and by the cron task; what the hub refuses
 * for good (another 4xx: bad signature, unknown installation, invalid body) is kept as failed with
 * the hub's answer, for the merchant to see and resend after fixing the settings.
 *
 * While the hub is known to be unreachable (a retryable failure in the last minute), hooks only
 * write to the table: no shopper waits for a timeout more than once a minute.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubOutbox
{
    /** First retry after this many seconds, doubled at each attempt… */
    const BACKOFF_BASE = 30;
    /** …up to this. */
    const BACKOFF_MAX = 3600;
    /** A payload still not delivered after this long is marked failed (expired). */
    const MAX_AGE = 604800;
    /** Hooks skip sending for this long after a retryable failure. */
    const PAUSE = 60;
    /** Seconds a row being sent is hidden from other requests. */
    const LEASE = 60;
    /** Retries one hook sends after its own payload went through. */
    const HOOK_BATCH = 3;

    /** @var ConnectorHubOutboxStore */
    private $store;
    /** @var ConnectorHubClient */
    private $client;

    public function __construct(ConnectorHubOutboxStore $store, ConnectorHubClient $client)
    {
        $this->store = $store;
        $this->client = $client;
    }

    /**
     * What a hook calls: keep the payload, send it unless the hub is known down, then a few retries.
     *
     * @param array $payload a ConnectorHubPayload::envelope()
     * @param int $now unix seconds
     *
     * @return string delivered, queued, failed, or unconfigured (nothing kept: there is no hub to send it to yet)
     */
    public function send(array $payload, $now)
    {
        if (!$this->client->isConfigured()) {
            return 'unconfigured';
        }
        $row = array(
            'event_id' => (string) $payload['id'],
            'type' => (string) $payload['type'],
            'body' => ConnectorHubPayload::toJson($payload),
            'attempts' => 0,
            'next_attempt_at' => (int) $now,
            'created_at' => (int) $now,
        );
        $row['id_outbox'] = $this->store->insert($row);
        if ($this->store->pausedUntil() > $now) {
            return 'queued';
        }
        $result = $this->attempt($row, $now);
        if ($result === 'delivered') {
            $this->flush(self::HOOK_BATCH, $now);
        }

        return $result;
    }

    /**
     * Sends due payloads, oldest first; stops at the first one the hub could not take (it is down).
     *
     * @param int $limit
     * @param int $now
     *
     * @return array counts of delivered, queued (retry later), failed, skipped (held by another request)
     */
    public function flush($limit, $now)
    {
        $counts = array('delivered' => 0, 'queued' => 0, 'failed' => 0, 'skipped' => 0);
        if (!$this->client->isConfigured()) {
            return $counts;
        }
        foreach ($this->store->due($now, $limit) as $row) {
            $result = $this->attempt($row, $now);
            ++$counts[$result];
            if ($result === 'queued') {
                break;
            }
        }

        return $counts;
    }

    /**
     * Seconds to wait before the next attempt, after `$attempts` failed ones.
     *
     * @param int $attempts
     *
     * @return int
     */
    public static function backoff($attempts)
    {
        $exponent = max(0, min(20, (int) $attempts - 1));

        return (int) min(self::BACKOFF_MAX, self::BACKOFF_BASE * pow(2, $exponent));
    }

    /**
     * @param int $status 0 when no HTTP answer
     *
     * @return bool worth another try later
     */
    public static function isRetryable($status)
    {
        return $status === 0 || $status === 408 || $status === 429 || $status >= 500;
    }

    /**
     * @return string delivered, queued, failed or skipped (another request holds it)
     */
    private function attempt(array $row, $now)
    {
        $id = (int) $row['id_outbox'];
        if (!$this->store->claim($id, (int) $row['next_attempt_at'], $now + self::LEASE)) {
            return 'skipped';
        }
        $answer = $this->client->post($row['body'], $row['event_id'], $now);
        $status = (int) $answer['status'];
        $attempts = (int) $row['attempts'] + 1;
        if ($status >= 200 && $status < 300) {
            $this->store->delete($id);
            if ($this->store->pausedUntil() > 0) {
                $this->store->pause(0);
            }

            return 'delivered';
        }
        $detail = $status === 0 ? (string) $answer['error'] : substr((string) $answer['body'], 0, 2000);
        if (!self::isRetryable($status)) {
            $this->store->fail($id, $attempts, $status, $detail);

            return 'failed';
        }
        $this->store->pause($now + self::PAUSE);
        if ($now - (int) $row['created_at'] >= self::MAX_AGE) {
            $this->store->fail($id, $attempts, $status, 'expired after ' . $attempts . ' attempts; last: ' . $detail);

            return 'failed';
        }
        $this->store->reschedule($id, $attempts, $now + self::backoff($attempts), $status, $detail);

        return 'queued';
    }
}
