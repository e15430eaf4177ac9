/**
 * A live hub with the Salesforce org connected, for the SMS tab's tests: the web server flow against the local
 * authorization server speaking Salesforce's endpoints (test/support/oauth-server.ts), Salesforce's REST API as the
 * nock fake, the sandbox SMS provider answering receipts at once, and the installation's tab templates set.
 * The Canvas app's consumer secret is the OAuth client's secret (`server.clientSecret`), as in Salesforce.
 */
import nock from 'nock';
import { TestBrowser } from '../../../test/support/browser.ts';
import { startTestHub, type TestHub } from '../../../test/support/hub.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../../../test/support/oauth-server.ts';
import { freePort } from '../../../test/support/processes.ts';
import { INSTANCE_ORIGIN, ORG_ID, startFakeSalesforce, USER_ID, type FakeSalesforce } from './fake-salesforce.ts';

export const TAB_TEMPLATE = { name: 'Rappel de rendez-vous', text: 'Bonjour {{ record.FirstName }}, votre rendez-vous est confirmé.', category: 'transactional' } as const;

export interface TabHub {
  hub: TestHub;
  server: OAuthTestServer;
  fake: FakeSalesforce;
  installationId: string;
  /** The Canvas App URL the admin enters in Salesforce. */
  canvasUrl: string;
  close(): Promise<void>;
}

export async function startTabHub(): Promise<TabHub> {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const server = await startOAuthTestServer({ salesforce: { organizationId: ORG_ID, userId: USER_ID, instanceUrl: INSTANCE_ORIGIN } });
  const fake = startFakeSalesforce((token) => server.accountOf(token));
  const port = await freePort();
  const hub = await startTestHub(
    'embedded',
    { PORT: String(port), HUB_PUBLIC_URL: `http://127.0.0.1:${port}`, HUB_OAUTH_SALESFORCE_CLIENT_ID: server.clientId, HUB_OAUTH_SALESFORCE_CLIENT_SECRET: server.clientSecret },
    { hub: { oauthEndpoints: { salesforce: { authorizeUrl: `${server.url}/services/oauth2/authorize`, tokenUrl: `${server.url}/services/oauth2/token`, revokeUrl: `${server.url}/services/oauth2/revoke` } } } },
  );
  server.allowRedirect(`${hub.url}/connectors/salesforce/oauth/callback`);
  const start = await hub.api('/v1/connectors/salesforce/installations', { body: { environment: 'production' } });
  const page = await new TestBrowser().follow(start.body.authorizationUrl);
  if (page.status !== 200) throw new Error(`the org could not be connected: ${page.status} ${page.body}`);
  const installationId = ((await hub.api('/v1/connectors/salesforce/installations')).body.items as { id: string }[])[0]!.id;
  const patched = await hub.api(`/v1/connectors/salesforce/installations/${installationId}`, { method: 'PATCH', body: { settings: { tabTemplates: [TAB_TEMPLATE] } } });
  if (patched.status !== 200) throw new Error(`the tab templates were refused: ${JSON.stringify(patched.body)}`);
  await hub.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
  return {
    hub,
    server,
    fake,
    installationId,
    canvasUrl: `${hub.url}/connectors/salesforce/${installationId}/canvas`,
    async close() {
      await hub.close();
      await server.close();
      fake.stop();
      nock.enableNetConnect();
    },
  };
}
