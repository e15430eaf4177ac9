<?php

use PHPUnit\Framework\TestCase;

/**
 * The signature, against the known vector of PAYLOAD.md (computed with openssl, reproduced by the hub in TypeScript).
 */
class SignerTest extends TestCase
{
    const SECRET = 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42';
    const BODY = '{"type":"module.ping","id":"0b6f2a4e-8c1d-4f3a-9e2b-5d7c6a1f0e93","occurredAt":"2023-11-14T22:13:20+00:00","shop":{"id":1,"name":"Bougies & Co","url":"https://boutique.example.fr/"},"module":{"version":"1.0.0","prestashop":"8.1.7"},"data":{}}';

    public function testKnownVector()
    {
        // printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac "$SECRET"
        $this->assertSame(
            't=1700000000,v1=19afe313b2fe898eb2e32c79514855ae3b0447893b05814b356855cb36e31ac6',
            ConnectorHubSigner::sign(self::BODY, self::SECRET, 1700000000)
        );
    }

    public function testTheVectorBodyIsWhatThePayloadBuilderProduces()
    {
        $payload = ConnectorHubPayload::envelope('module.ping', '0b6f2a4e-8c1d-4f3a-9e2b-5d7c6a1f0e93', 1700000000, array('id' => 1, 'name' => 'Bougies & Co', 'url' => 'https://boutique.example.fr/'), '1.0.0', '8.1.7', array());
        $this->assertSame(self::BODY, ConnectorHubPayload::toJson($payload));
    }

    public function testVerifyAcceptsOnlyTheRightSecretBodyAndTime()
    {
        $header = ConnectorHubSigner::sign(self::BODY, self::SECRET, 1700000000);
        $this->assertTrue(ConnectorHubSigner::verify(self::BODY, $header, self::SECRET, 1700000000 + 300));
        $this->assertFalse(ConnectorHubSigner::verify(self::BODY, $header, self::SECRET, 1700000000 + 301));
        $this->assertFalse(ConnectorHubSigner::verify(self::BODY, $header, 'another' . self::SECRET, 1700000000));
        $this->assertFalse(ConnectorHubSigner::verify(self::BODY . ' ', $header, self::SECRET, 1700000000));
        $this->assertFalse(ConnectorHubSigner::verify(self::BODY, 'v1=' . str_repeat('0', 64), self::SECRET, 1700000000));
    }

    public function testDeliveryIdsAreUuidV4AndUnique()
    {
        $ids = array();
        for ($i = 0; $i < 200; ++$i) {
            $id = ConnectorHubSigner::newDeliveryId();
            $this->assertMatchesRegularExpression('/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $id);
            $ids[$id] = true;
        }
        $this->assertCount(200, $ids);
    }
}
