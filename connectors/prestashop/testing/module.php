<?php
/**
 * The connectorhub module's own code driven from the hub's tests: its hooks' messages built by
 * ConnectorHubEvents from the module's test shop (plugins/prestashop/tests/ShopFixture.php, PrestaShop
 * classes stubbed), kept and sent by its real outbox (SQLite file, so it survives between runs) over
 * its real cURL transport. Usage: php module.php '<json>' with
 *   { "hubUrl", "installationId", "secret", "db": "/path/outbox.sqlite", "now": unix seconds,
 *     "do": "order.created" | "order.status_changed" | "stock" | "customer" | "cart" | "ping" | "flush",
 *     "state": new state id (status), "previousState": id, "quantity": n (stock),
 *     "elapse": seconds (the outbox's clocks moved back: time passed since its last attempts) }
 * Prints { "result", "counts", "rows" }.
 */
$root = dirname(__DIR__, 3) . '/plugins/prestashop';
require $root . '/tests/bootstrap.php';
require $root . '/tests/ShopFixture.php';

$args = json_decode($argv[1], true);
ShopFixture::load();
OrderState::$rows[5] = array('name' => 'Livré', 'paid' => 1, 'shipped' => 1, 'delivery' => 1);
Configuration::$values['PS_OS_DELIVERED'] = 5;
$db = new SqliteDb();
$db->pdo = new PDO('sqlite:' . $args['db']);
$db->pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
foreach (ConnectorHubSchema::create(_DB_PREFIX_, _MYSQL_ENGINE_) as $sql) {
    $db->pdo->exec(SqliteDb::toSqlite($sql));
}
$now = (int) $args['now'];
if (!empty($args['elapse'])) {
    $db->execute('UPDATE ps_connectorhub_outbox SET next_attempt_at = next_attempt_at - ' . (int) $args['elapse'] . ', created_at = created_at - ' . (int) $args['elapse']);
}
$outbox = new ConnectorHubOutbox(new ConnectorHubDbOutboxStore($db, _DB_PREFIX_), new ConnectorHubClient($args['hubUrl'], $args['installationId'], $args['secret'], new ConnectorHubCurlTransport()));
$consent = new ConnectorHubConsent($db, _DB_PREFIX_);
$consent->record(5, true, "J'accepte de recevoir par SMS le suivi de mes commandes (STOP au 36180).", 1, '203.0.113.9', $now - 600);
$events = new ConnectorHubEvents(new ConnectorHubReader(), $consent, ShopFixture::shop(), '1.0.0', '8.1.7');

$message = null;
switch ($args['do']) {
    case 'order.created':
        $message = $events->orderCreated(array('order' => new Order(12), 'cart' => new Cart(30), 'customer' => new Customer(5), 'currency' => new Currency(1), 'orderStatus' => new OrderState(10)), $now);
        break;
    case 'order.status_changed':
        Order::$rows[12]['current_state'] = (int) $args['state'];
        $message = $events->statusChanged(array('newOrderStatus' => new OrderState((int) $args['state']), 'oldOrderStatus' => new OrderState((int) $args['previousState']), 'id_order' => 12), $now);
        break;
    case 'stock':
        $message = $events->stock(array('id_product' => 77, 'id_product_attribute' => 0, 'quantity' => (int) $args['quantity']), 1, $now);
        break;
    case 'customer':
        $message = $events->customerCreated(array('newCustomer' => new Customer(5)), $now);
        break;
    case 'cart':
        $message = $events->cart(new Cart(30), 'https://boutique.example.fr/commande?step=3&recover_cart=30', $now);
        break;
    case 'ping':
        $message = $events->ping($now);
        break;
}
$result = $message === null ? null : $outbox->send($message, $now);
$counts = $args['do'] === 'flush' ? $outbox->flush(50, $now) : null;
echo json_encode(array('result' => $result, 'counts' => $counts, 'message' => $message, 'rows' => $db->executeS('SELECT event_id, type, attempts, last_status FROM ps_connectorhub_outbox ORDER BY id_outbox')));
