<?php
/**
 * Connector Hub for PrestaShop: sends the shop's orders, order status changes, stock changes, new
 * customers (with their SMS consent) and carts to the Connector Hub, signed, without slowing the shop.
 *
 * Compatible with PrestaShop 1.7.8 to 9 and PHP 7.2 to 8.3 (no syntax newer than PHP 7.2).
 */
if (!defined('_PS_VERSION_')) {
    exit;
}

require_once __DIR__ . '/classes/ConnectorHubSigner.php';
require_once __DIR__ . '/classes/ConnectorHubStates.php';
require_once __DIR__ . '/classes/ConnectorHubPayload.php';
require_once __DIR__ . '/classes/ConnectorHubSchema.php';
require_once __DIR__ . '/classes/ConnectorHubSettings.php';
require_once __DIR__ . '/classes/ConnectorHubClient.php';
require_once __DIR__ . '/classes/ConnectorHubCurlTransport.php';
require_once __DIR__ . '/classes/ConnectorHubOutboxStore.php';
require_once __DIR__ . '/classes/ConnectorHubDbOutboxStore.php';
require_once __DIR__ . '/classes/ConnectorHubOutbox.php';
require_once __DIR__ . '/classes/ConnectorHubConsent.php';
require_once __DIR__ . '/classes/ConnectorHubCartMemory.php';
require_once __DIR__ . '/classes/ConnectorHubReader.php';
require_once __DIR__ . '/classes/ConnectorHubEvents.php';

class Connectorhub extends Module
{
    /** Hooks the module registers; each has its hook<Name> method below. */
    const HOOKS = array(
        'actionValidateOrder',
        'actionOrderStatusUpdate',
        'actionOrderStatusPostUpdate',
        'actionUpdateQuantity',
        'actionCustomerAccountAdd',
        'actionCartSave',
        'additionalCustomerFormFields',
    );

    /** Marks a customer form that showed the checkbox (an unticked checkbox is not posted at all). */
    const CONSENT_SHOWN_FIELD = 'connectorhub_sms_consent_shown';

    /** Payloads the cron task sends per run at most. */
    const CRON_BATCH = 200;

    public function __construct()
    {
        $this->name = 'connectorhub';
        $this->tab = 'emailing';
        $this->version = '1.0.0';
        $this->author = 'Connector Hub';
        $this->need_instance = 0;
        $this->ps_versions_compliancy = array('min' => '1.7.8.0', 'max' => _PS_VERSION_);
        $this->bootstrap = true;
        parent::__construct();
        $this->displayName = $this->l('Connector Hub');
        $this->description = $this->l('Sends your orders, order statuses, stock, new customers and carts to the Connector Hub for SMS and email.');
        $this->confirmUninstall = $this->l('Payloads not yet delivered to the hub will be deleted. Uninstall?');
    }

    public function install()
    {
        if (!parent::install()) {
            return false;
        }
        foreach (ConnectorHubSchema::create(_DB_PREFIX_, _MYSQL_ENGINE_) as $sql) {
            if (!Db::getInstance()->execute($sql)) {
                return false;
            }
        }
        foreach (self::HOOKS as $hook) {
            if (!$this->registerHook($hook)) {
                return false;
            }
        }

        return Configuration::updateGlobalValue(ConnectorHubSettings::CRON_TOKEN, bin2hex(random_bytes(16)));
    }

    public function uninstall()
    {
        foreach (ConnectorHubSchema::drop(_DB_PREFIX_) as $sql) {
            Db::getInstance()->execute($sql);
        }
        foreach (ConnectorHubSettings::keys() as $key) {
            Configuration::deleteByName($key);
        }

        return parent::uninstall();
    }

    public function hookActionValidateOrder($params)
    {
        $this->dispatch('orderCreated', array($params));
    }

    public function hookActionOrderStatusUpdate($params)
    {
        try {
            $this->events()->rememberPreviousState($params);
        } catch (Throwable $e) {
            $this->logFailure('actionOrderStatusUpdate', $e);
        }
    }

    public function hookActionOrderStatusPostUpdate($params)
    {
        $this->dispatch('statusChanged', array($params));
    }

    public function hookActionUpdateQuantity($params)
    {
        $this->dispatch('stock', array($params, (int) Configuration::get('PS_LANG_DEFAULT')));
    }

    public function hookActionCustomerAccountAdd($params)
    {
        try {
            if (isset($params['newCustomer']) && is_object($params['newCustomer']) && Tools::getValue(self::CONSENT_SHOWN_FIELD) === '1') {
                $this->consent()->record(
                    (int) $params['newCustomer']->id,
                    (bool) Tools::getValue(ConnectorHubConsent::FIELD),
                    $this->consentLabel(),
                    (int) $this->context->language->id,
                    (string) Tools::getRemoteAddr(),
                    time()
                );
            }
        } catch (Throwable $e) {
            $this->logFailure('actionCustomerAccountAdd', $e);
        }
        $this->dispatch('customerCreated', array($params));
    }

    public function hookActionCartSave($params)
    {
        try {
            $cart = isset($params['cart']) && is_object($params['cart']) ? $params['cart'] : $this->context->cart;
            if (!is_object($cart) || !(int) $cart->id) {
                return;
            }
            $message = $this->events()->cart($cart, $this->recoveryUrl((int) $cart->id), time());
            $memory = new ConnectorHubCartMemory(Db::getInstance(), _DB_PREFIX_);
            if ($message !== null && $memory->changed((int) $cart->id, ConnectorHubPayload::cartFingerprint($message), time())) {
                $this->outbox(ConnectorHubClient::TIMEOUT)->send($message, time());
            }
        } catch (Throwable $e) {
            $this->logFailure('actionCartSave', $e);
        }
    }

    /**
     * The SMS consent checkbox, never pre-ticked, on the registration form and at checkout (guest or
     * new account); not on a logged-in customer's identity page.
     */
    public function hookAdditionalCustomerFormFields($params)
    {
        if ($this->context->customer && $this->context->customer->isLogged()) {
            return array();
        }
        $checkbox = new FormField();
        $checkbox->setName(ConnectorHubConsent::FIELD)->setType('checkbox')->setLabel($this->consentLabel())->setRequired(false);
        $shown = new FormField();
        $shown->setName(self::CONSENT_SHOWN_FIELD)->setType('hidden')->setValue('1');

        return array($checkbox, $shown);
    }

    /**
     * The cron task: sends what is due (controllers/front/cron.php).
     *
     * @return array counts
     */
    public function runCron()
    {
        $now = time();
        (new ConnectorHubCartMemory(Db::getInstance(), _DB_PREFIX_))->prune(30, $now);

        return $this->outbox(ConnectorHubClient::TIMEOUT)->flush(self::CRON_BATCH, $now);
    }

    public function getContent()
    {
        $output = '';
        if (Tools::isSubmit('submitConnectorhub')) {
            $output .= $this->saveSettings();
        } elseif (Tools::isSubmit('submitConnectorhubTest')) {
            $output .= $this->testConnection();
        } elseif (Tools::isSubmit('submitConnectorhubRetry')) {
            $count = $this->store()->requeueFailed(time());
            $output .= $this->displayConfirmation(sprintf($this->l('%d payload(s) will be sent again.'), $count));
        }

        return $output . $this->renderStatus() . $this->renderForm();
    }

    private function saveSettings()
    {
        $result = ConnectorHubSettings::sanitize(
            array(
                'hub_url' => Tools::getValue('hub_url'),
                'installation_id' => Tools::getValue('installation_id'),
                'secret' => Tools::getValue('secret'),
                'consent_label' => Tools::getValue('consent_label'),
            ),
            $this->savedSettings()
        );
        if ($result['errors'] !== array()) {
            $messages = array();
            foreach ($result['errors'] as $error) {
                $messages[] = $this->translateError($error);
            }

            return $this->displayError(implode('<br>', array_map('htmlspecialchars', $messages)));
        }
        Configuration::updateValue(ConnectorHubSettings::HUB_URL, $result['values']['hub_url']);
        Configuration::updateValue(ConnectorHubSettings::INSTALLATION_ID, $result['values']['installation_id']);
        Configuration::updateValue(ConnectorHubSettings::SECRET, $result['values']['secret']);
        Configuration::updateValue(ConnectorHubSettings::CONSENT_LABEL, $result['values']['consent_label']);

        return $this->displayConfirmation($this->l('Settings saved.'));
    }

    private function translateError($error)
    {
        $known = array(
            'The hub URL must start with https:// (http:// only for localhost).' => $this->l('The hub URL must start with https:// (http:// only for localhost).'),
            'The installation id looks like ins_ followed by 20 letters and digits, as the hub shows it.' => $this->l('The installation id looks like ins_ followed by 20 letters and digits, as the hub shows it.'),
            'The secret is the long series of letters and digits the hub showed once at install.' => $this->l('The secret is the long series of letters and digits the hub showed once at install.'),
        );

        return isset($known[$error]) ? $known[$error] : $error;
    }

    private function testConnection()
    {
        $client = $this->client(10);
        if (!$client->isConfigured()) {
            return $this->displayError($this->l('Save the hub URL, the installation id and the secret first.'));
        }
        $message = $this->events()->ping(time());
        $answer = $client->post(ConnectorHubPayload::toJson($message), $message['id'], time());
        if ($answer['status'] >= 200 && $answer['status'] < 300) {
            $this->store()->pause(0);

            return $this->displayConfirmation($this->l('The hub answered: the connection works.'));
        }
        $detail = $answer['status'] === 0 ? $answer['error'] : 'HTTP ' . $answer['status'] . ' ' . substr($answer['body'], 0, 300);

        return $this->displayError($this->l('The hub could not be reached or refused the test:') . ' ' . htmlspecialchars($detail));
    }

    private function renderStatus()
    {
        $counts = $this->store()->counts();
        $cronUrl = $this->context->link->getModuleLink($this->name, 'cron', array('token' => Configuration::getGlobalValue(ConnectorHubSettings::CRON_TOKEN)));
        $html = '<div class="panel"><h3>' . htmlspecialchars($this->l('Deliveries')) . '</h3><p>'
            . htmlspecialchars(sprintf($this->l('Waiting to be sent: %d. Refused by the hub: %d.'), $counts['pending'], $counts['failed'])) . '</p><p>'
            . htmlspecialchars($this->l('Cron task (every 5 minutes): it sends what the hub could not receive at once.')) . '<br><code>'
            . htmlspecialchars($cronUrl) . '</code></p>';
        if ($counts['failed'] > 0) {
            $html .= '<form method="post" action="' . htmlspecialchars($this->formAction()) . '"><button type="submit" name="submitConnectorhubRetry" class="btn btn-default">'
                . htmlspecialchars($this->l('Send the refused payloads again')) . '</button></form>';
        }

        return $html . '</div>';
    }

    private function renderForm()
    {
        $form = array('form' => array(
            'legend' => array('title' => $this->l('Connection to the hub'), 'icon' => 'icon-cogs'),
            'input' => array(
                array('type' => 'text', 'name' => 'hub_url', 'label' => $this->l('Hub URL'), 'desc' => $this->l('For example https://hub.example.fr'), 'required' => true),
                array('type' => 'text', 'name' => 'installation_id', 'label' => $this->l('Installation id'), 'desc' => $this->l('Shown by the hub when the shop was connected (ins_…).'), 'required' => true),
                array('type' => 'password', 'name' => 'secret', 'label' => $this->l('Secret'), 'desc' => $this->l('Shown once by the hub. Leave empty to keep the saved one.')),
                array('type' => 'textarea', 'name' => 'consent_label', 'label' => $this->l('SMS consent checkbox text'), 'desc' => $this->l('Leave empty for the default text, in the customer\'s language.')),
            ),
            'submit' => array('title' => $this->l('Save'), 'name' => 'submitConnectorhub'),
            'buttons' => array(array('type' => 'submit', 'name' => 'submitConnectorhubTest', 'title' => $this->l('Test the connection'), 'icon' => 'process-icon-ok')),
        ));
        $helper = new HelperForm();
        $helper->module = $this;
        $helper->name_controller = $this->name;
        $helper->token = Tools::getAdminTokenLite('AdminModules');
        $helper->currentIndex = AdminController::$currentIndex . '&configure=' . $this->name;
        $helper->default_form_language = (int) Configuration::get('PS_LANG_DEFAULT');
        $helper->submit_action = 'submitConnectorhub';
        $saved = $this->savedSettings();
        $helper->fields_value = array(
            'hub_url' => $saved['hub_url'],
            'installation_id' => $saved['installation_id'],
            'secret' => '',
            'consent_label' => $saved['consent_label'],
        );

        return $helper->generateForm(array($form));
    }

    private function formAction()
    {
        return AdminController::$currentIndex . '&configure=' . $this->name . '&token=' . Tools::getAdminTokenLite('AdminModules');
    }

    private function savedSettings()
    {
        return array(
            'hub_url' => (string) Configuration::get(ConnectorHubSettings::HUB_URL),
            'installation_id' => (string) Configuration::get(ConnectorHubSettings::INSTALLATION_ID),
            'secret' => (string) Configuration::get(ConnectorHubSettings::SECRET),
            'consent_label' => (string) Configuration::get(ConnectorHubSettings::CONSENT_LABEL),
        );
    }

    private function consentLabel()
    {
        $label = trim((string) Configuration::get(ConnectorHubSettings::CONSENT_LABEL));

        return $label !== '' ? $label : $this->l('I agree to receive text messages about my orders and the shop\'s offers (reply STOP to unsubscribe).');
    }

    private function recoveryUrl($cartId)
    {
        // FrontController::recoverCart() restores a cart from these two parameters (as the followup module's reminders do).
        return $this->context->link->getPageLink('order', true, null, array(
            'step' => 3,
            'recover_cart' => (int) $cartId,
            'token_cart' => md5(_COOKIE_KEY_ . 'recover_cart_' . (int) $cartId),
        ));
    }

    /**
     * Builds a hook's message and hands it to the outbox; any failure is logged, never thrown at the shop.
     */
    private function dispatch($method, array $arguments)
    {
        try {
            $arguments[] = time();
            $message = call_user_func_array(array($this->events(), $method), $arguments);
            if ($message !== null) {
                $this->outbox(ConnectorHubClient::TIMEOUT)->send($message, time());
            }
        } catch (Throwable $e) {
            $this->logFailure($method, $e);
        }
    }

    private function events()
    {
        $shop = $this->context->shop;

        return new ConnectorHubEvents(
            new ConnectorHubReader(),
            $this->consent(),
            array('id' => (int) $shop->id, 'name' => (string) $shop->name, 'url' => (string) $shop->getBaseURL(true)),
            $this->version,
            _PS_VERSION_
        );
    }

    private function consent()
    {
        return new ConnectorHubConsent(Db::getInstance(), _DB_PREFIX_);
    }

    private function store()
    {
        return new ConnectorHubDbOutboxStore(Db::getInstance(), _DB_PREFIX_);
    }

    private function client($timeout)
    {
        $saved = $this->savedSettings();

        return new ConnectorHubClient($saved['hub_url'], $saved['installation_id'], $saved['secret'], new ConnectorHubCurlTransport(), $timeout);
    }

    private function outbox($timeout)
    {
        return new ConnectorHubOutbox($this->store(), $this->client($timeout));
    }

    private function logFailure($where, $e)
    {
        PrestaShopLogger::addLog('connectorhub ' . $where . ': ' . get_class($e) . ' ' . $e->getMessage(), 3, null, 'Module', (int) $this->id);
    }
}
