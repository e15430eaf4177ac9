<?php
// Keeps the folder from being listed by a web server that would allow it (PrestaShop module convention).
header("Expires: Mon, 26 Jul 1997 05:00:00 GMT");
header("Cache-Control: no-store, no-cache, must-revalidate");
header("Location: ../");
exit;
