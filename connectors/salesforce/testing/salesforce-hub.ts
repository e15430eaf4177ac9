/**
 * A live hub with the Salesforce connector, for the connector's end-to-end tests: the local authorization server
 * (test/support/oauth-server.ts, Salesforce's flavour: instance_url and identity URL in the token answer, client
 * credentials in the form) plays login.salesforce.com's OAuth endpoints, the nock fake (fake-salesforce.ts) plays the
 * identity URL and the REST API and accepts the tokens that server issued. Outbound Messages go to the hub's public
 * URL (its real port).
 */
import nock from 'nock';
import { expect } from 'vitest';
import { TestBrowser } from '../../../test/support/browser.ts';
import { startTestHub, type TestHub, type TestHubMode } from '../../../test/support/hub.ts';
import { startOAuthTestServer, type OAuthTestServer } from '../../../test/support/oauth-server.ts';
import { freePort } from '../../../test/support/processes.ts';
import { INSTANCE_ORIGIN, ORG_ID, startFakeSalesforce, USER_ID, type FakeSalesforce } from './fake-salesforce.ts';

export interface SalesforceHub {
  hub: TestHub;
  oauth: OAuthTestServer;
  fake: FakeSalesforce;
  close(): Promise<void>;
}

export async function startSalesforceHub(mode: TestHubMode = 'embedded'): Promise<SalesforceHub> {
  // Nothing leaves for the real Salesforce: only the hub, the authorization server and nock answer.
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const oauth = await startOAuthTestServer({ salesforce: { organizationId: ORG_ID, userId: USER_ID, instanceUrl: INSTANCE_ORIGIN } });
  const fake = startFakeSalesforce((token) => oauth.accountOf(token));
  const port = await freePort();
  const hub = await startTestHub(
    mode,
    { PORT: String(port), HUB_PUBLIC_URL: `http://127.0.0.1:${port}`, HUB_OAUTH_SALESFORCE_CLIENT_ID: oauth.clientId, HUB_OAUTH_SALESFORCE_CLIENT_SECRET: oauth.clientSecret },
    { hub: { oauthEndpoints: { salesforce: { authorizeUrl: `${oauth.url}/services/oauth2/authorize`, tokenUrl: `${oauth.url}/services/oauth2/token`, revokeUrl: `${oauth.url}/services/oauth2/revoke` } } } },
  );
  oauth.allowRedirect(`${hub.url}/connectors/salesforce/oauth/callback`);
  return {
    hub,
    oauth,
    fake,
    async close() {
      await hub.close();
      await oauth.close();
      fake.stop();
      nock.enableNetConnect();
    },
  };
}

/** The admin's install: POST …/installations, then the browser through Salesforce's consent; the installation. */
export async function installThroughOAuth(hub: TestHub, input: Record<string, unknown> = { environment: 'production' }): Promise<{ id: string; endpoint: string }> {
  const start = await hub.api('/v1/connectors/salesforce/installations', { body: input });
  expect(start.status, JSON.stringify(start.body)).toBe(202);
  const page = await new TestBrowser().follow(start.body.authorizationUrl as string);
  expect(page.status, page.body).toBe(200);
  expect(page.body).toContain(ORG_ID);
  const [installation] = (await hub.api('/v1/connectors/salesforce/installations')).body.items as { id: string; account: string; status: string }[];
  expect(installation).toMatchObject({ account: ORG_ID, status: 'active' });
  const detail = (await hub.api(`/v1/connectors/salesforce/installations/${installation!.id}`)).body as { remote: { externalId: string }[] };
  return { id: installation!.id, endpoint: detail.remote[0]!.externalId };
}

/** POSTs an Outbound Message (outboundMessage()) as Salesforce does. */
export const postOutboundMessage = (endpoint: string, body: string) => fetch(endpoint, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, body });
