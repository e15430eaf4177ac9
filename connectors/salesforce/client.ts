/**
 * Salesforce's REST API through jsforce 3, with the installation's authorized client: every call gets a valid access
 * token from the hub (Salesforce's token answer has no expiry, so the hub refreshes on a 401 INVALID_SESSION_ID,
 * single-flight across processes; jsforce is given no refresh token and never refreshes itself), the instance URL of
 * the token answer (`instance_url`, checked to be Salesforce's), the pinned API version and the guarded transport.
 *
 * Salesforce's errors (jsforce's HttpApiError, named by Salesforce's errorCode) become ExternalSystemErrors a person
 * can act on.
 */
import { Connection } from 'jsforce';
import type { AuthorizedClient, JsonObject, NetworkPolicy } from '../../src/connectors/connector.ts';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import { GuardedTransport } from './transport.ts';

/**
 * The REST API version every call uses: Spring '26 (66.0), checked against Salesforce's version list (Summer '26 is
 * 67.0). jsforce's default, 50.0 (Winter '21), misses fields and behaviours the connector relies on.
 */
export const API_VERSION = '66.0';

/** Hosts Salesforce serves orgs, logins and My Domains from (commercial, Government Cloud, Alibaba China). */
const SALESFORCE_HOSTS = ['salesforce.com', 'force.com', 'salesforce.mil', 'sfcrmproducts.cn'];

export function isSalesforceHost(host: string): boolean {
  const lower = host.toLowerCase();
  return SALESFORCE_HOSTS.some((suffix) => lower === suffix || lower.endsWith(`.${suffix}`));
}

/** A URL Salesforce's token answer gave (instance_url, id): https on a Salesforce host, or the hub refuses to send the token there. */
export function salesforceUrl(raw: unknown, what: string): URL {
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || !isSalesforceHost(url.hostname)) {
    throw new ExternalSystemError('invalid-response', `Salesforce's token answer has no valid ${what} (${typeof raw === 'string' ? raw.slice(0, 100) : 'missing'}): the hub sends its token only to https addresses of Salesforce.`);
  }
  return url;
}

export const instanceUrlOf = (tokenInfo: JsonObject): string => salesforceUrl(tokenInfo.instance_url, 'instance_url').origin;

interface JsforceError {
  errorCode?: string;
  name?: string;
  message?: string;
}

/** jsforce's error → what the hub does about it. */
export function toExternalError(error: unknown, what: string): Error {
  if (error instanceof ExternalSystemError) return error;
  const failure = error as JsforceError;
  const code = failure.errorCode ?? '';
  const said = failure.message ? ` Salesforce said: "${failure.message.slice(0, 300)}"${code ? ` (${code})` : ''}.` : '';
  const options = code ? { code } : {};
  if (code === 'INVALID_SESSION_ID' || code === 'ERROR_HTTP_401') return new ExternalSystemError('auth', `Salesforce refused the access token while ${what} (401).${said}`, { ...options, status: 401 });
  if (code === 'REQUEST_LIMIT_EXCEEDED') return new ExternalSystemError('server', `The org's Salesforce API limit was reached while ${what}; tried again later.${said}`, { ...options, status: 403 });
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  if (http && (Number(http[1]) >= 500 || http[1] === '429')) return new ExternalSystemError('server', `Salesforce failed while ${what} (HTTP ${http[1]}); tried again later.`, { ...options, status: Number(http[1]) });
  if (code === 'SERVER_UNAVAILABLE' || code === 'UNABLE_TO_LOCK_ROW') return new ExternalSystemError('server', `Salesforce was busy while ${what}; tried again later.${said}`, options);
  if (code === 'NOT_FOUND' || code === 'ENTITY_IS_DELETED') return new ExternalSystemError('not-found', `Not found in Salesforce while ${what}: the record was deleted or is not visible to the connected user.${said}`, { ...options, status: 404 });
  if (/^(INSUFFICIENT_ACCESS|API_DISABLED_FOR_ORG|API_CURRENTLY_DISABLED|FUNCTIONALITY_NOT_ENABLED)/.test(code)) {
    return new ExternalSystemError('auth', `Salesforce refused ${what}: the connected user lacks a permission (API Enabled, access to the object or field).${said}`, { ...options, status: 403 });
  }
  if (code) return new ExternalSystemError('refused', `Salesforce refused ${what}.${said}`, options);
  return new ExternalSystemError('invalid-response', `Salesforce's answer to ${what} could not be read (${failure.message?.slice(0, 200) ?? String(error)}).`);
}

/** A jsforce connection for one call: the token and instance the hub holds, the pinned version, the guarded transport. */
export function connectionFor(instanceUrl: string, accessToken: string, network: NetworkPolicy): Connection {
  const connection = new Connection({ instanceUrl, accessToken, version: API_VERSION });
  // jsforce has no option for a transport; its HTTP layer reads this field on every request (http-api.js).
  (connection as unknown as { _transport: GuardedTransport })._transport = new GuardedTransport(network);
  return connection;
}

export interface QueryPage<T> {
  totalSize: number;
  done: boolean;
  records: T[];
  nextRecordsUrl?: string;
}

export interface SearchRecord {
  attributes: { type: string; url?: string };
  Id: string;
}

export interface SaveResult {
  id: string;
  success: boolean;
}

/** What the connector does in Salesforce; install, the poll, the actions and the activity log take this. */
export interface SalesforceApi {
  /** GET the identity URL of the token answer: who signed in, in which org. */
  identity(identityUrl: string): Promise<Record<string, unknown>>;
  /** One page of a SOQL query (GET /services/data/vXX.X/query?q=…), or the next one from `nextRecordsUrl`. */
  query<T>(soql: string): Promise<QueryPage<T>>;
  queryMore<T>(nextRecordsUrl: string): Promise<QueryPage<T>>;
  /** A SOSL search (GET /services/data/vXX.X/search?q=FIND…): the `searchRecords` of the answer, each with its `attributes.type`. */
  search(sosl: string): Promise<SearchRecord[]>;
  create(sobject: string, record: Record<string, unknown>): Promise<SaveResult>;
  update(sobject: string, id: string, fields: Record<string, unknown>): Promise<void>;
}

export function salesforceApi(auth: AuthorizedClient | undefined, network: NetworkPolicy): SalesforceApi {
  if (!auth) throw new ExternalSystemError('auth', 'This Salesforce installation has no OAuth grant: connect the org again.');
  const call = <T>(what: string, run: (connection: Connection) => Promise<T>): Promise<T> =>
    auth.withToken(async (token) => {
      const connection = connectionFor(instanceUrlOf(auth.tokenInfo()), token, network);
      try {
        return await run(connection);
      } catch (error) {
        throw toExternalError(error, what);
      }
    });
  return {
    identity: (identityUrl) => {
      const url = salesforceUrl(identityUrl, 'identity URL (id)');
      return call('reading who signed in (identity URL)', (connection) => connection.request<Record<string, unknown>>({ method: 'GET', url: url.toString(), headers: { accept: 'application/json' } }));
    },
    query: <T>(soql: string) => call(`querying ${soql.slice(0, 120)}`, (connection) => connection.query<Record<string, unknown>>(soql, { autoFetch: false }) as unknown as Promise<QueryPage<T>>),
    queryMore: <T>(nextRecordsUrl: string) => call('reading the next page of a query', (connection) => connection.queryMore<Record<string, unknown>>(nextRecordsUrl) as unknown as Promise<QueryPage<T>>),
    search: (sosl) =>
      call(`searching ${sosl.slice(0, 120)}`, async (connection) => {
        const answer = (await connection.search(sosl)) as { searchRecords?: SearchRecord[] };
        return answer.searchRecords ?? [];
      }),
    create: (sobject, record) =>
      call(`creating a ${sobject}`, async (connection) => {
        const result = (await connection.sobject(sobject).create(record)) as { id?: string; success: boolean; errors?: { message?: string; statusCode?: string }[] };
        if (!result.success || !result.id) throw new ExternalSystemError('refused', `Salesforce refused to create the ${sobject}: ${result.errors?.map((error) => `${error.statusCode ?? ''} ${error.message ?? ''}`.trim()).join('; ') ?? 'no reason given'}.`);
        return { id: result.id, success: true };
      }),
    update: (sobject, id, fields) =>
      call(`updating ${sobject} ${id}`, async (connection) => {
        const result = (await connection.sobject(sobject).update({ Id: id, ...fields })) as { success: boolean; errors?: { message?: string; statusCode?: string }[] };
        if (!result.success) throw new ExternalSystemError('refused', `Salesforce refused to update ${sobject} ${id}: ${result.errors?.map((error) => `${error.statusCode ?? ''} ${error.message ?? ''}`.trim()).join('; ') ?? 'no reason given'}.`);
      }),
  };
}
