/**
 * A hub process with the test OAuth connector (test/support/oauth-connector.ts), for tests that run several hub
 * processes on one PostgreSQL: `node test/support/oauth-hub-main.ts` with the hub's usual variables plus
 * TEST_OAUTH_SERVER (the local authorization server's URL). Schedules tick every 200 ms.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createHub } from '../../src/hub.ts';
import { DEMO_OAUTH, demoOAuthConnector } from './oauth-connector.ts';

const server = process.env.TEST_OAUTH_SERVER;
if (!server) throw new Error('TEST_OAUTH_SERVER is required');
const config = loadConfig();
const hub = await createHub(config, {
  logger: pino({ level: config.logLevel }),
  extraConnectors: [demoOAuthConnector],
  oauthEndpoints: { [DEMO_OAUTH]: { authorizeUrl: `${server}/authorize`, tokenUrl: `${server}/token`, revokeUrl: `${server}/revoke` } },
  scheduleTickMs: 200,
});
await hub.start();
const stop = () => void hub.stop().then(() => process.exit(0), () => process.exit(1));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
