/**
 * A live hub with the Salesforce org connected, for the SMS tab's tests: the web server flow against the local
 * authorization server speaking Salesforce's endpoints (test/support/oauth-server.ts), Salesforce's REST API as the
 * nock fake, the sandbox SMS provider answering receipts at once, and the installation's tab templates set.
 * The Canvas app's consumer secret is the OAuth client's secret (`server.clientSecret`), as in Salesforce.
 */
import type { TestHub } from '../../../test/support/hub.ts';
import type { OAuthTestServer } from '../../../test/support/oauth-server.ts';
import type { FakeSalesforce } from './fake-salesforce.ts';
import { installThroughOAuth, startSalesforceHub } from './salesforce-hub.ts';

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
  const { hub, oauth: server, fake, close } = await startSalesforceHub('embedded');
  const { id: installationId } = await installThroughOAuth(hub);
  const patched = await hub.api(`/v1/connectors/salesforce/installations/${installationId}`, { method: 'PATCH', body: { settings: { tabTemplates: [TAB_TEMPLATE] } } });
  if (patched.status !== 200) throw new Error(`the tab templates were refused: ${JSON.stringify(patched.body)}`);
  await hub.api('/v1/sending/providers/sms', { method: 'PUT', body: { kind: 'sandbox', settings: { receiptDelayMs: 10 } } });
  return {
    hub,
    server,
    fake,
    installationId,
    canvasUrl: `${hub.url}/connectors/salesforce/${installationId}/canvas`,
    close,
  };
}
