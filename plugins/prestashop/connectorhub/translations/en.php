<?php
/**
 * English translations of the module's texts (PrestaShop's module translation format:
 * key <{module}prestashop>file_md5(text), as Module::findTranslation() looks them up).
 */
global $_MODULE;
$_MODULE = array();
$_MODULE['<{connectorhub}prestashop>connectorhub_14e8de5fefb1ff77602e695b776422b4'] = 'Connector Hub';
$_MODULE['<{connectorhub}prestashop>connectorhub_7d2bbe92e5669b40604ca8fc9dcf56d1'] = 'Sends your orders, order statuses, stock, new customers and carts to the Connector Hub for SMS and email.';
$_MODULE['<{connectorhub}prestashop>connectorhub_5d2a5bda61414f75dfc2ee7a890bc4db'] = 'Payloads not yet delivered to the hub will be deleted. Uninstall?';
$_MODULE['<{connectorhub}prestashop>connectorhub_ade92f23326b4ca7b38e92baa01a9e9c'] = '%d payload(s) will be sent again.';
$_MODULE['<{connectorhub}prestashop>connectorhub_9a7e58ee13cb727cb7c4acc68f4cafe5'] = 'Settings saved.';
$_MODULE['<{connectorhub}prestashop>connectorhub_9d601644154eae0059c78378085416ac'] = 'The hub URL must start with https:// (http:// only for localhost).';
$_MODULE['<{connectorhub}prestashop>connectorhub_c3f2e51b4d9856b88a50e56390931c4d'] = 'The installation id looks like ins_ followed by 20 letters and digits, as the hub shows it.';
$_MODULE['<{connectorhub}prestashop>connectorhub_fd7be76666b04d3843352685aeac8076'] = 'The secret is the long series of letters and digits the hub showed once at install.';
$_MODULE['<{connectorhub}prestashop>connectorhub_d64e7cb359f0a922b965c0692759b5ec'] = 'Save the hub URL, the installation id and the secret first.';
$_MODULE['<{connectorhub}prestashop>connectorhub_0630462a95816d53c056667e9801da13'] = 'The hub answered: the connection works.';
$_MODULE['<{connectorhub}prestashop>connectorhub_1140c6d6e3404ff0e1e145ce38783e8d'] = 'The hub could not be reached or refused the test:';
$_MODULE['<{connectorhub}prestashop>connectorhub_0c82fa8a0fea546c6235255141099fa8'] = 'Deliveries';
$_MODULE['<{connectorhub}prestashop>connectorhub_293c2a1529cfd3726d06f0514b3af08b'] = 'Waiting to be sent: %d. Refused by the hub: %d.';
$_MODULE['<{connectorhub}prestashop>connectorhub_d721ad5618da5a127f6b862540200cb2'] = 'Cron task (every 5 minutes): it sends what the hub could not receive at once.';
$_MODULE['<{connectorhub}prestashop>connectorhub_0f0af2dffbe10e4cfd4360c63d59d74a'] = 'Send the refused payloads again';
$_MODULE['<{connectorhub}prestashop>connectorhub_9aaf5816b5bf149e1ecb200f76281e28'] = 'Connection to the hub';
$_MODULE['<{connectorhub}prestashop>connectorhub_d23fe791adb89c25ea61e8c39432311b'] = 'Hub URL';
$_MODULE['<{connectorhub}prestashop>connectorhub_6d64d6b13371a8dc7485024e74e4be4c'] = 'For example https://hub.example.fr';
$_MODULE['<{connectorhub}prestashop>connectorhub_00c7445b90b30f04ead71264953bd0ab'] = 'Installation id';
$_MODULE['<{connectorhub}prestashop>connectorhub_82f30eefe4e7ea56fd996fac4bcc4a32'] = 'Shown by the hub when the shop was connected (ins_…).';
$_MODULE['<{connectorhub}prestashop>connectorhub_1e6947ac7fb3a9529a9726eb692c8cc5'] = 'Secret';
$_MODULE['<{connectorhub}prestashop>connectorhub_4c5db37b0ccd0a2e2d8aed84f8852350'] = 'Shown once by the hub. Leave empty to keep the saved one.';
$_MODULE['<{connectorhub}prestashop>connectorhub_afae4f50f5fad728670a4719acb42235'] = 'SMS consent checkbox text';
$_MODULE['<{connectorhub}prestashop>connectorhub_61e3d8ea1f3b4809a2f8ab88a358bae9'] = 'Leave empty for the default text, in the customer\'s language.';
$_MODULE['<{connectorhub}prestashop>connectorhub_c9cc8cce247e49bae79f15173ce97354'] = 'Save';
$_MODULE['<{connectorhub}prestashop>connectorhub_660fc9e01f52fb7f8a715e51167c4f8d'] = 'Test the connection';
$_MODULE['<{connectorhub}prestashop>connectorhub_c63eeb6a7e3a91d625ffc06af7a7140e'] = 'I agree to receive text messages about my orders and the shop\'s offers (reply STOP to unsubscribe).';
