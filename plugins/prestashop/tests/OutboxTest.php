<?php

use PHPUnit\Framework\TestCase;

/**
 * The outbox on its real SQL (SQLite): kept on failure, retried with backoff, deleted on success,
 * failed for good on a 4xx, and nothing lost through an hour of hub outage.
 */
class OutboxTest extends TestCase
{
    const T0 = 1709631000;
    const SECRET = 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42';

    /** @var SqliteDb */
    private $db;
    /** @var ConnectorHubDbOutboxStore */
    private $store;
    /** @var FakeHub */
    private $hub;
    /** @var ConnectorHubOutbox */
    private $outbox;

    protected function setUp(): void
    {
        Configuration::$values = array();
        $this->db = new SqliteDb();
        $this->store = new ConnectorHubDbOutboxStore($this->db, _DB_PREFIX_);
        $this->hub = new FakeHub();
        $this->outbox = new ConnectorHubOutbox($this->store, new ConnectorHubClient('https://hub.example.fr', 'ins_4sWq0Zr7mJc2Ls1XyTb9', self::SECRET, $this->hub));
    }

    private function message($n)
    {
        return ConnectorHubPayload::envelope('product.stock_changed', 'id-' . $n, self::T0, array('id' => 1, 'name' => 'Shop', 'url' => 'https://s.fr/'), '1.0.0', '8.1.7', array('productId' => $n, 'name' => 'Bougie <b>« été »</b> l\'originale'));
    }

    private function rows()
    {
        return $this->db->executeS('SELECT * FROM ps_connectorhub_outbox ORDER BY id_outbox');
    }

    public function testDeliveredMessagesAreSignedAndDeleted()
    {
        $this->assertSame('delivered', $this->outbox->send($this->message(1), self::T0));
        $this->assertSame(array(), $this->rows());
        $request = $this->hub->requests[0];
        $this->assertSame('https://hub.example.fr/connectors/prestashop/ins_4sWq0Zr7mJc2Ls1XyTb9/events', $request['url']);
        $this->assertSame(ConnectorHubPayload::toJson($this->message(1)), $request['body'], 'the body went through the table unaltered (tags and quotes kept)');
        $this->assertTrue(ConnectorHubSigner::verify($request['body'], $request['headers'][ConnectorHubSigner::HEADER], self::SECRET, self::T0));
        $this->assertSame('id-1', $request['headers'][ConnectorHubSigner::DELIVERY_HEADER]);
        $this->assertSame('application/json', $request['headers']['Content-Type']);
    }

    /**
     * @dataProvider retryableAnswers
     */
    public function testRetryableFailuresAreKeptWithBackoff($status)
    {
        $this->hub->answers = array($status);
        $this->assertSame('queued', $this->outbox->send($this->message(1), self::T0));
        $rows = $this->rows();
        $this->assertCount(1, $rows);
        $this->assertSame('pending', $rows[0]['status']);
        $this->assertSame(1, (int) $rows[0]['attempts']);
        $this->assertSame(self::T0 + 30, (int) $rows[0]['next_attempt_at']);
        $this->assertSame($status, (int) $rows[0]['last_status']);
        $this->assertSame(self::T0 + ConnectorHubOutbox::PAUSE, $this->store->pausedUntil());
    }

    public function retryableAnswers()
    {
        return array('no answer' => array(0), '408' => array(408), '429' => array(429), '500' => array(500), '503' => array(503));
    }

    /**
     * @dataProvider finalAnswers
     */
    public function testOther4xxAreFailedWithTheHubsAnswerAndNotRetried($status)
    {
        $this->hub->answers = array($status);
        $this->hub->body = '{"detail":"X-Connector-Hub-Signature: no v1 signature matches"}';
        $this->assertSame('failed', $this->outbox->send($this->message(1), self::T0));
        $rows = $this->rows();
        $this->assertSame('failed', $rows[0]['status']);
        $this->assertSame($status, (int) $rows[0]['last_status']);
        $this->assertStringContainsString('no v1 signature matches', $rows[0]['last_error']);
        $this->assertSame(array('delivered' => 0, 'queued' => 0, 'failed' => 0, 'skipped' => 0), $this->outbox->flush(10, self::T0 + 86400));
        $this->assertCount(1, $this->hub->requests);
        $this->assertSame(0, $this->store->pausedUntil(), 'a refusal does not mean the hub is down');
        $this->assertSame(array('pending' => 0, 'failed' => 1), $this->store->counts());
        // After the merchant fixed the settings: sent again.
        $this->assertSame(1, $this->store->requeueFailed(self::T0 + 100));
        $this->hub->answers = array(200);
        $this->assertSame(1, $this->outbox->flush(10, self::T0 + 100)['delivered']);
        $this->assertSame(array(), $this->rows());
    }

    public function finalAnswers()
    {
        return array('400' => array(400), '401' => array(401), '404' => array(404), '422' => array(422));
    }

    public function testBackoffDoublesUpToAnHour()
    {
        $this->assertSame(array(30, 60, 120, 240, 480, 960, 1920, 3600, 3600), array_map(array('ConnectorHubOutbox', 'backoff'), range(1, 9)));
    }

    public function testWhileTheHubIsDownHooksOnlyQueueThenEverythingIsDeliveredInOrderWithItsId()
    {
        $this->hub->answers = array(0);
        $this->outbox->send($this->message(1), self::T0);
        // The next hooks within the pause do not call the hub: no shopper waits on a timeout.
        $this->assertSame('queued', $this->outbox->send($this->message(2), self::T0 + 5));
        $this->assertSame('queued', $this->outbox->send($this->message(3), self::T0 + 10));
        $this->assertCount(1, $this->hub->requests);

        // An hour of cron runs every 5 minutes against a hub that stays down.
        for ($t = self::T0 + 300; $t <= self::T0 + 3600; $t += 300) {
            $this->hub->answers = array(503);
            $this->outbox->flush(200, $t);
        }
        $this->assertCount(3, $this->rows(), 'nothing lost');
        $this->assertSame(array('id-1', 'id-2', 'id-3'), array_column($this->rows(), 'event_id'));

        // The hub is back: the next cron run delivers everything, oldest first, each with a fresh signature.
        $this->hub->requests = array();
        $this->hub->answers = array();
        $back = self::T0 + 3600 + 3600;
        $this->assertSame(3, $this->outbox->flush(200, $back)['delivered']);
        $this->assertSame(array(), $this->rows());
        $ids = array();
        foreach ($this->hub->requests as $request) {
            $ids[] = json_decode($request['body'], true)['id'];
            $this->assertTrue(ConnectorHubSigner::verify($request['body'], $request['headers'][ConnectorHubSigner::HEADER], self::SECRET, $back));
        }
        $this->assertSame(array('id-1', 'id-2', 'id-3'), $ids);
    }

    public function testAHookDeliversAFewDueRetriesAfterItsOwnMessage()
    {
        $this->hub->answers = array(0);
        $this->outbox->send($this->message(1), self::T0);
        $this->store->pause(0);
        for ($n = 2; $n <= 6; ++$n) {
            $this->db->execute("INSERT INTO ps_connectorhub_outbox (event_id, type, body, status, attempts, next_attempt_at, created_at) VALUES ('id-$n', 't', '{}', 'pending', 1, " . self::T0 . ', ' . self::T0 . ')');
        }
        $this->hub->requests = array();
        $this->hub->answers = array();
        $this->assertSame('delivered', $this->outbox->send($this->message(7), self::T0 + 100));
        // Its own, then HOOK_BATCH of the due ones.
        $this->assertCount(1 + ConnectorHubOutbox::HOOK_BATCH, $this->hub->requests);
        $this->assertCount(6 - ConnectorHubOutbox::HOOK_BATCH, $this->rows());
    }

    public function testAFlushStopsAtTheFirstMessageTheHubCannotTake()
    {
        $this->store->pause(self::T0 + 60);
        foreach (array(1, 2, 3) as $n) {
            $this->outbox->send($this->message($n), self::T0);
        }
        $this->hub->answers = array(200, 502);
        $this->assertSame(array('delivered' => 1, 'queued' => 1, 'failed' => 0, 'skipped' => 0), $this->outbox->flush(10, self::T0 + 1));
        $this->assertSame(array('id-2', 'id-3'), array_column($this->rows(), 'event_id'));
    }

    public function testARowTakenByAnotherRequestIsNotSentTwice()
    {
        $this->store->pause(self::T0 + 60);
        $this->outbox->send($this->message(1), self::T0);
        $row = $this->store->due(self::T0, 1)[0];
        $this->assertTrue($this->store->claim((int) $row['id_outbox'], (int) $row['next_attempt_at'], self::T0 + 60));
        $this->assertFalse($this->store->claim((int) $row['id_outbox'], (int) $row['next_attempt_at'], self::T0 + 60));
        $this->assertSame(array(), $this->store->due(self::T0 + 59, 10), 'hidden while leased');
    }

    public function testAMessageUndeliveredForAWeekExpires()
    {
        $this->hub->answers = array(0);
        $this->outbox->send($this->message(1), self::T0);
        $this->hub->answers = array(0);
        $this->outbox->flush(10, self::T0 + ConnectorHubOutbox::MAX_AGE);
        $rows = $this->rows();
        $this->assertSame('failed', $rows[0]['status']);
        $this->assertStringStartsWith('expired after 2 attempts', $rows[0]['last_error']);
    }

    public function testNothingIsSentBeforeTheModuleIsConfigured()
    {
        $outbox = new ConnectorHubOutbox($this->store, new ConnectorHubClient('', '', '', $this->hub));
        $this->assertSame('unconfigured', $outbox->send($this->message(1), self::T0));
        $this->assertSame(array(), $this->hub->requests);
        $this->assertSame(array(), $this->rows(), 'a shop that never connects does not fill a table');
    }
}

/**
 * The hub as the transport sees it: records requests, answers the queued statuses (200 when none).
 */
class FakeHub
{
    public $requests = array();
    public $answers = array();
    public $body = '{"received":true}';

    public function post($url, array $headers, $body, $timeout)
    {
        $named = array();
        foreach ($headers as $line) {
            $pair = explode(': ', $line, 2);
            $named[$pair[0]] = $pair[1];
        }
        $this->requests[] = array('url' => $url, 'headers' => $named, 'body' => $body, 'timeout' => $timeout);
        $status = $this->answers === array() ? 200 : array_shift($this->answers);

        return array('status' => $status, 'body' => $status === 0 ? '' : $this->body, 'error' => $status === 0 ? 'Failed to connect to hub.example.fr port 443: Connection refused' : '');
    }
}
