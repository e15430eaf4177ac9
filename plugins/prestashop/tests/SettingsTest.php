<?php

use PHPUnit\Framework\TestCase;

class SettingsTest extends TestCase
{
    private static $saved = array('hub_url' => 'https://hub.example.fr', 'installation_id' => 'ins_4sWq0Zr7mJc2Ls1XyTb9', 'secret' => 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3t42', 'consent_label' => '');

    public function testValidValuesAreKeptAndAnEmptySecretKeepsTheSavedOne()
    {
        $result = ConnectorHubSettings::sanitize(array('hub_url' => ' https://hub2.example.fr/ ', 'installation_id' => 'ins_AAAAAAAAAAAAAAAAAAAA', 'secret' => '', 'consent_label' => 'Oui aux SMS'), self::$saved);
        $this->assertSame(array(), $result['errors']);
        $this->assertSame(array('hub_url' => 'https://hub2.example.fr', 'installation_id' => 'ins_AAAAAAAAAAAAAAAAAAAA', 'secret' => self::$saved['secret'], 'consent_label' => 'Oui aux SMS'), $result['values']);
    }

    public function testBadValuesAreRefusedWithAMessageEach()
    {
        $result = ConnectorHubSettings::sanitize(array('hub_url' => 'http://hub.example.fr', 'installation_id' => 'ins_short', 'secret' => 'not a secret!'), self::$saved);
        $this->assertCount(3, $result['errors']);
        $this->assertStringContainsString('https://', $result['errors'][0]);
        $this->assertSame(self::$saved['hub_url'], $result['values']['hub_url']);
        $this->assertSame(self::$saved['secret'], $result['values']['secret']);
        $local = ConnectorHubSettings::sanitize(array('hub_url' => 'http://127.0.0.1:3000'), self::$saved);
        $this->assertSame('http://127.0.0.1:3000', $local['values']['hub_url']);
    }

    public function testUninstallDeletesEveryKeyTheModuleWrites()
    {
        $keys = ConnectorHubSettings::keys();
        foreach (array('CONNECTORHUB_HUB_URL', 'CONNECTORHUB_INSTALLATION_ID', 'CONNECTORHUB_SECRET', 'CONNECTORHUB_CONSENT_LABEL', 'CONNECTORHUB_CRON_TOKEN', 'CONNECTORHUB_PAUSED_UNTIL') as $key) {
            $this->assertContains($key, $keys);
        }
        // Every Configuration key named in the module's code is in that list.
        $code = '';
        foreach (glob(dirname(__DIR__) . '/connectorhub/{,classes/,controllers/front/}*.php', GLOB_BRACE) as $file) {
            $code .= file_get_contents($file);
        }
        preg_match_all("/'(CONNECTORHUB_[A-Z_]+)'/", $code, $matches);
        $this->assertNotEmpty($matches[1]);
        foreach (array_unique($matches[1]) as $key) {
            $this->assertContains($key, $keys, $key . ' is written but not deleted at uninstall');
        }
    }
}
