<?php
/**
 * The configuration page's values: their Configuration keys and the checks of what is saved.
 * Pure PHP, tested without PrestaShop.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorHubSettings
{
    const HUB_URL = 'CONNECTORHUB_HUB_URL';
    const INSTALLATION_ID = 'CONNECTORHUB_INSTALLATION_ID';
    const SECRET = 'CONNECTORHUB_SECRET';
    const CONSENT_LABEL = 'CONNECTORHUB_CONSENT_LABEL';
    const CRON_TOKEN = 'CONNECTORHUB_CRON_TOKEN';

    /**
     * @return string[] every Configuration key the module writes (uninstall deletes them)
     */
    public static function keys()
    {
        return array(self::HUB_URL, self::INSTALLATION_ID, self::SECRET, self::CONSENT_LABEL, self::CRON_TOKEN, ConnectorHubDbOutboxStore::PAUSE_KEY);
    }

    /**
     * Checks what the form posted. An empty secret keeps the saved one (it is never printed back).
     *
     * @param array $input hub_url, installation_id, secret, consent_label
     * @param array $previous the saved values, same keys
     *
     * @return array values (same keys), errors (messages in English, translated by the module)
     */
    public static function sanitize(array $input, array $previous)
    {
        $values = array(
            'hub_url' => isset($previous['hub_url']) ? (string) $previous['hub_url'] : '',
            'installation_id' => isset($previous['installation_id']) ? (string) $previous['installation_id'] : '',
            'secret' => isset($previous['secret']) ? (string) $previous['secret'] : '',
            'consent_label' => isset($previous['consent_label']) ? (string) $previous['consent_label'] : '',
        );
        $errors = array();

        $url = isset($input['hub_url']) ? trim((string) $input['hub_url']) : '';
        if ($url === '') {
            $values['hub_url'] = '';
        } else {
            $parts = parse_url($url);
            $scheme = is_array($parts) && isset($parts['scheme']) ? strtolower($parts['scheme']) : '';
            $host = is_array($parts) && isset($parts['host']) ? strtolower($parts['host']) : '';
            $local = in_array($host, array('localhost', '127.0.0.1'), true);
            if ($host === '' || !($scheme === 'https' || ($scheme === 'http' && $local))) {
                $errors[] = 'The hub URL must start with https:// (http:// only for localhost).';
            } else {
                $values['hub_url'] = rtrim($url, '/');
            }
        }

        $installation = isset($input['installation_id']) ? trim((string) $input['installation_id']) : '';
        if ($installation === '' || preg_match('/^ins_[A-Za-z0-9]{20}$/', $installation)) {
            $values['installation_id'] = $installation;
        } else {
            $errors[] = 'The installation id looks like ins_ followed by 20 letters and digits, as the hub shows it.';
        }

        $secret = isset($input['secret']) ? trim((string) $input['secret']) : '';
        if ($secret !== '') {
            if (preg_match('/^[A-Za-z0-9]{32,128}$/', $secret)) {
                $values['secret'] = $secret;
            } else {
                $errors[] = 'The secret is the long series of letters and digits the hub showed once at install.';
            }
        }

        $label = isset($input['consent_label']) ? trim((string) $input['consent_label']) : '';
        $values['consent_label'] = function_exists('mb_substr') ? mb_substr($label, 0, 500, 'UTF-8') : substr($label, 0, 500);

        return array('values' => $values, 'errors' => $errors);
    }
}
