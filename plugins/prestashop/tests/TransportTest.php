<?php

use PHPUnit\Framework\TestCase;

/**
 * The curl transport against a real HTTP server on loopback (PHP's built-in one, recording what it
 * receives), and against a closed port.
 */
class TransportTest extends TestCase
{
    private static $server;
    private static $port;
    private static $dir;

    public static function setUpBeforeClass(): void
    {
        self::$dir = sys_get_temp_dir() . '/connectorhub-transport-' . getmypid();
        @mkdir(self::$dir);
        file_put_contents(self::$dir . '/router.php', '<?php
file_put_contents(__DIR__ . "/request.json", json_encode(array("uri" => $_SERVER["REQUEST_URI"], "signature" => $_SERVER["HTTP_X_CONNECTOR_HUB_SIGNATURE"] ?? "", "delivery" => $_SERVER["HTTP_X_CONNECTOR_HUB_DELIVERY"] ?? "", "type" => $_SERVER["CONTENT_TYPE"] ?? "", "body" => file_get_contents("php://input"))));
$status = strpos($_SERVER["REQUEST_URI"], "ins_FAILFAILFAILFAILFAIL") !== false ? 401 : 200;
http_response_code($status);
header("Content-Type: application/json");
echo $status === 200 ? "{\"received\":true}" : "{\"detail\":\"bad signature\"}";');
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        self::$port = (int) substr(strrchr(stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket);
        self::$server = proc_open(array(PHP_BINARY, '-S', '127.0.0.1:' . self::$port, self::$dir . '/router.php'), array(array('pipe', 'r'), array('file', '/dev/null', 'w'), array('file', '/dev/null', 'w')), $pipes);
        for ($i = 0; $i < 100; ++$i) {
            $probe = @fsockopen('127.0.0.1', self::$port);
            if ($probe) {
                fclose($probe);

                return;
            }
            usleep(50000);
        }
        self::fail('the PHP built-in server did not start');
    }

    public static function tearDownAfterClass(): void
    {
        proc_terminate(self::$server);
        proc_close(self::$server);
        array_map('unlink', glob(self::$dir . '/*'));
        rmdir(self::$dir);
    }

    public function testASignedPostReachesTheHubAsSent()
    {
        $client = new ConnectorHubClient('http://127.0.0.1:' . self::$port . '/', 'ins_4sWq0Zr7mJc2Ls1XyTb9', 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42', new ConnectorHubCurlTransport());
        $body = '{"type":"module.ping","id":"abc","data":{"name":"é <b>"}}';
        $answer = $client->post($body, 'abc', time());
        $this->assertSame(200, $answer['status']);
        $this->assertSame('{"received":true}', $answer['body']);
        $seen = json_decode(file_get_contents(self::$dir . '/request.json'), true);
        $this->assertSame('/connectors/prestashop/ins_4sWq0Zr7mJc2Ls1XyTb9/events', $seen['uri']);
        $this->assertSame($body, $seen['body']);
        $this->assertSame('abc', $seen['delivery']);
        $this->assertSame('application/json', $seen['type']);
        $this->assertTrue(ConnectorHubSigner::verify($seen['body'], $seen['signature'], 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42', time()));
    }

    public function testARefusalKeepsTheHubsAnswer()
    {
        $client = new ConnectorHubClient('http://127.0.0.1:' . self::$port, 'ins_FAILFAILFAILFAILFAIL', 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42', new ConnectorHubCurlTransport());
        $answer = $client->post('{}', 'x', time());
        $this->assertSame(401, $answer['status']);
        $this->assertSame('{"detail":"bad signature"}', $answer['body']);
    }

    public function testAClosedPortIsNoAnswerWithTheReason()
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket);
        $answer = (new ConnectorHubCurlTransport())->post('http://127.0.0.1:' . $port . '/x', array(), '{}', 2);
        $this->assertSame(0, $answer['status']);
        $this->assertNotSame('', $answer['error']);
        $this->assertTrue(ConnectorHubOutbox::isRetryable($answer['status']));
    }
}
