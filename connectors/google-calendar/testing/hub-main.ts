/**
 * A hub process for the tests that run several processes or kill one: `node connectors/google-calendar/testing/hub-main.ts`
 * with the hub's usual variables plus TEST_OAUTH_SERVER (the local authorization server) and TEST_GOOGLE_API (the
 * fake Calendar API's local root, fake-google.ts `listen`). Schedules tick every 200 ms.
 */
import pino from 'pino';
import { loadConfig } from '../../../src/config.ts';
import { createHub } from '../../../src/hub.ts';
import { useApiRootForTests } from '../client.ts';

const oauth = process.env.TEST_OAUTH_SERVER;
const google = process.env.TEST_GOOGLE_API;
if (!oauth || !google) throw new Error('TEST_OAUTH_SERVER and TEST_GOOGLE_API are required');
useApiRootForTests(google);
const config = loadConfig();
const hub = await createHub(config, {
  logger: pino({ level: config.logLevel }),
  oauthEndpoints: { 'google-calendar': { authorizeUrl: `${oauth}/authorize`, tokenUrl: `${oauth}/token`, revokeUrl: `${oauth}/revoke` } },
  scheduleTickMs: 200,
});
await hub.start();
const stop = () => void hub.stop().then(() => process.exit(0), () => process.exit(1));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
