<?php
/**
 * French translations of the module's texts (PrestaShop's module translation format:
 * key <{module}prestashop>file_md5(text), as Module::findTranslation() looks them up).
 */
global $_MODULE;
$_MODULE = array();
$_MODULE['<{connectorhub}prestashop>connectorhub_14e8de5fefb1ff77602e695b776422b4'] = 'Connector Hub';
$_MODULE['<{connectorhub}prestashop>connectorhub_7d2bbe92e5669b40604ca8fc9dcf56d1'] = 'Envoie vos commandes, statuts de commande, stocks, nouveaux clients et paniers au Connector Hub pour vos SMS et e-mails.';
$_MODULE['<{connectorhub}prestashop>connectorhub_5d2a5bda61414f75dfc2ee7a890bc4db'] = 'Les envois pas encore remis au hub seront supprimés. Désinstaller ?';
$_MODULE['<{connectorhub}prestashop>connectorhub_ade92f23326b4ca7b38e92baa01a9e9c'] = '%d envoi(s) seront renvoyés.';
$_MODULE['<{connectorhub}prestashop>connectorhub_9a7e58ee13cb727cb7c4acc68f4cafe5'] = 'Réglages enregistrés.';
$_MODULE['<{connectorhub}prestashop>connectorhub_9d601644154eae0059c78378085416ac'] = 'L\'URL du hub doit commencer par https:// (http:// seulement pour localhost).';
$_MODULE['<{connectorhub}prestashop>connectorhub_c3f2e51b4d9856b88a50e56390931c4d'] = 'L\'identifiant d\'installation est de la forme ins_ suivi de 20 lettres et chiffres, tel que le hub l\'affiche.';
$_MODULE['<{connectorhub}prestashop>connectorhub_fd7be76666b04d3843352685aeac8076'] = 'Le secret est la longue suite de lettres et de chiffres que le hub a affichée une seule fois à l\'installation.';
$_MODULE['<{connectorhub}prestashop>connectorhub_d64e7cb359f0a922b965c0692759b5ec'] = 'Enregistrez d\'abord l\'URL du hub, l\'identifiant d\'installation et le secret.';
$_MODULE['<{connectorhub}prestashop>connectorhub_0630462a95816d53c056667e9801da13'] = 'Le hub a répondu : la connexion fonctionne.';
$_MODULE['<{connectorhub}prestashop>connectorhub_1140c6d6e3404ff0e1e145ce38783e8d'] = 'Le hub est injoignable ou a refusé le test :';
$_MODULE['<{connectorhub}prestashop>connectorhub_0c82fa8a0fea546c6235255141099fa8'] = 'Envois';
$_MODULE['<{connectorhub}prestashop>connectorhub_293c2a1529cfd3726d06f0514b3af08b'] = 'En attente d\'envoi : %d. Refusés par le hub : %d.';
$_MODULE['<{connectorhub}prestashop>connectorhub_d721ad5618da5a127f6b862540200cb2'] = 'Tâche cron (toutes les 5 minutes) : elle envoie ce que le hub n\'a pas pu recevoir tout de suite.';
$_MODULE['<{connectorhub}prestashop>connectorhub_0f0af2dffbe10e4cfd4360c63d59d74a'] = 'Renvoyer les envois refusés';
$_MODULE['<{connectorhub}prestashop>connectorhub_9aaf5816b5bf149e1ecb200f76281e28'] = 'Connexion au hub';
$_MODULE['<{connectorhub}prestashop>connectorhub_d23fe791adb89c25ea61e8c39432311b'] = 'URL du hub';
$_MODULE['<{connectorhub}prestashop>connectorhub_6d64d6b13371a8dc7485024e74e4be4c'] = 'Par exemple https://hub.example.fr';
$_MODULE['<{connectorhub}prestashop>connectorhub_00c7445b90b30f04ead71264953bd0ab'] = 'Identifiant d\'installation';
$_MODULE['<{connectorhub}prestashop>connectorhub_82f30eefe4e7ea56fd996fac4bcc4a32'] = 'Affiché par le hub lors de la connexion de la boutique (ins_…).';
$_MODULE['<{connectorhub}prestashop>connectorhub_1e6947ac7fb3a9529a9726eb692c8cc5'] = 'Secret';
$_MODULE['<{connectorhub}prestashop>connectorhub_4c5db37b0ccd0a2e2d8aed84f8852350'] = 'Affiché une seule fois par le hub. Laissez vide pour garder celui enregistré.';
$_MODULE['<{connectorhub}prestashop>connectorhub_afae4f50f5fad728670a4719acb42235'] = 'Texte de la case de consentement SMS';
$_MODULE['<{connectorhub}prestashop>connectorhub_61e3d8ea1f3b4809a2f8ab88a358bae9'] = 'Laissez vide pour le texte par défaut, dans la langue du client.';
$_MODULE['<{connectorhub}prestashop>connectorhub_c9cc8cce247e49bae79f15173ce97354'] = 'Enregistrer';
$_MODULE['<{connectorhub}prestashop>connectorhub_660fc9e01f52fb7f8a715e51167c4f8d'] = 'Tester la connexion';
$_MODULE['<{connectorhub}prestashop>connectorhub_c63eeb6a7e3a91d625ffc06af7a7140e'] = 'J\'accepte de recevoir par SMS le suivi de mes commandes et les offres de la boutique (désinscription : STOP).';
