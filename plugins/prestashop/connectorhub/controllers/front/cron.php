<?php
/**
 * The cron task: GET or POST /index.php?fc=module&module=connectorhub&controller=cron&token=<token>
 * (the exact URL is on the module's configuration page). Sends the payloads the hub could not
 * receive at once; answers JSON counts.
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

class ConnectorhubCronModuleFrontController extends ModuleFrontController
{
    public function initContent()
    {
        $expected = (string) Configuration::getGlobalValue(ConnectorHubSettings::CRON_TOKEN);
        $token = (string) Tools::getValue('token');
        header('Content-Type: application/json');
        header('Cache-Control: no-store');
        if ($expected === '' || !hash_equals($expected, $token)) {
            http_response_code(403);
            exit(json_encode(array('error' => 'bad token')));
        }
        exit(json_encode($this->module->runCron()));
    }
}
