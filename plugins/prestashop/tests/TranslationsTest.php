<?php

use PHPUnit\Framework\TestCase;

/**
 * Every text of the module has its French and English entry, under the key PrestaShop's
 * Module::findTranslation() computes: <{connectorhub}prestashop>connectorhub_md5(text with ' escaped).
 */
class TranslationsTest extends TestCase
{
    public function testEveryTextIsTranslated()
    {
        $code = file_get_contents(dirname(__DIR__) . '/connectorhub/connectorhub.php');
        preg_match_all("/\\\$this->l\\('((?:[^'\\\\]|\\\\.)*)'\\)/", $code, $matches);
        $this->assertGreaterThan(20, count($matches[1]));
        foreach (array('fr', 'en') as $lang) {
            $_MODULE = array();
            include dirname(__DIR__) . '/connectorhub/translations/' . $lang . '.php';
            $keys = array();
            foreach (array_unique($matches[1]) as $literal) {
                // The literal as written in the source is what PrestaShop hashes (quotes escaped).
                $key = '<{connectorhub}prestashop>connectorhub_' . md5($literal);
                $keys[] = $key;
                $this->assertArrayHasKey($key, $_MODULE, $lang . ': ' . stripslashes($literal));
                $this->assertNotSame('', trim($_MODULE[$key]));
                if ($lang === 'en') {
                    $this->assertSame(stripslashes($literal), $_MODULE[$key]);
                }
            }
            $this->assertSame(array(), array_diff(array_keys($_MODULE), $keys), $lang . ': entries for texts the module no longer has');
        }
        $_MODULE = array();
        include dirname(__DIR__) . '/connectorhub/translations/fr.php';
        $this->assertSame('Tester la connexion', $_MODULE['<{connectorhub}prestashop>connectorhub_' . md5('Test the connection')]);
    }
}
