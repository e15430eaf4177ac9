/**
 * PrestaShop's webservice (`/api/…`): HTTP Basic with the key as user name and an empty password,
 * reads in JSON (`output_format=JSON`), writes in XML (the webservice parses request bodies as XML
 * only). Connections go through the outbound guard (src/net) unless the operator allows private
 * targets; HTTP errors become ExternalSystemErrors that say what to do.
 */
import http from 'node:http';
import https from 'node:https';
import { ExternalSystemError } from '../../src/connectors/external-error.ts';
import type { NetworkPolicy } from '../../src/connectors/connector.ts';
import { guardedAgent } from '../../src/net/guarded-connection.ts';
import { BLOCKED_TARGET_CODE } from '../../src/net/outbound-guard.ts';

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a key may do on each resource, read from `GET /api/` (one attribute per allowed method). */
export type Permissions = Map<string, Set<Method>>;

interface RawResponse {
  status: number;
  body: string;
}

export class PrestaShopClient {
  readonly shopUrl: string;
  readonly #key: string;
  readonly #network: NetworkPolicy;

  constructor(shopUrl: string, webserviceKey: string, network: NetworkPolicy) {
    this.shopUrl = shopUrl;
    this.#key = webserviceKey;
    this.#network = network;
  }

  #request(method: Method, path: string, query: Record<string, string>, body?: string): Promise<RawResponse> {
    const url = new URL(`${this.shopUrl}/api/${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const secure = url.protocol === 'https:';
    const agent = this.#network.allowPrivateTargets ? undefined : guardedAgent(secure ? 'https:' : 'http:');
    const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`${this.#key}:`).toString('base64')}`, accept: 'application/json, text/xml' };
    if (body !== undefined) headers['content-type'] = 'text/xml; charset=utf-8';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, { method, headers, timeout: REQUEST_TIMEOUT_MS, ...(agent ? { agent } : {}) }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) request.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
      request.end(body);
    });
  }

  async #call(method: Method, path: string, query: Record<string, string>, what: string, body?: string, format: 'JSON' | 'XML' = 'JSON'): Promise<unknown> {
    let response: RawResponse;
    try {
      response = await this.#request(method, path, format === 'JSON' ? { ...query, output_format: 'JSON' } : query, body);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      const message = error instanceof Error ? error.message : String(error);
      if (code === BLOCKED_TARGET_CODE) throw new ExternalSystemError('blocked', `${message} (shop ${this.shopUrl})`, { field: 'shopUrl' });
      if (code === 'ETIMEDOUT') throw new ExternalSystemError('timeout', `The shop ${this.shopUrl} did not answer ${what} within ${REQUEST_TIMEOUT_MS / 1000} s.`);
      throw new ExternalSystemError('unreachable', `The shop ${this.shopUrl} cannot be reached (${code}: ${message}) while ${what}; check the address and that the site is up.`);
    }
    const said = psMessage(response.body);
    const options = { status: response.status };
    if (response.status === 401) {
      throw new ExternalSystemError('auth', `The shop refused the webservice key while ${what} (HTTP 401).${said} Check the key (Advanced Parameters → Webservice), that it is enabled and that the webservice is on.`, { ...options, field: 'webserviceKey' });
    }
    if (response.status === 403) throw new ExternalSystemError('refused', `The webservice key may not do this: ${what} (HTTP 403).${said} Give the key this permission in Advanced Parameters → Webservice.`, { ...options, field: 'webserviceKey' });
    if (response.status === 404) throw new ExternalSystemError('not-found', `Not found while ${what} at ${this.shopUrl} (HTTP 404).${said}`, options);
    if (response.status >= 300 && response.status < 400) throw new ExternalSystemError('redirect', `The shop answered ${what} with a redirect (${response.status}); install with the final address of the shop.`, options);
    if (response.status === 429 || response.status >= 500) throw new ExternalSystemError('server', `The shop failed while ${what} (HTTP ${response.status}).${said} It is retried later.`, options);
    if (response.status >= 400) throw new ExternalSystemError('refused', `The shop refused ${what} (HTTP ${response.status}).${said}`, options);
    if (format === 'XML') return response.body;
    if (response.body.trim() === '') return {};
    try {
      return JSON.parse(response.body) as unknown;
    } catch {
      throw new ExternalSystemError('invalid-response', `The answer to ${what} is not the webservice's JSON (got ${response.body.slice(0, 80)}); is ${this.shopUrl} a PrestaShop with its webservice on?`);
    }
  }

  /**
   * `GET /api/` in XML: the resources this key may use and with which methods. The JSON listing is
   * only the names (WebserviceOutputJSON::renderNodeHeader drops the attributes), and fails on some
   * versions: the XML one carries `get="true" post="true"…` per resource.
   */
  async permissions(): Promise<Permissions> {
    const body = await this.#call('GET', '', {}, 'reading the webservice\'s resources (GET /api/)', undefined, 'XML');
    return parsePermissions(typeof body === 'string' ? body : '');
  }

  async get(resource: string, query: Record<string, string>, what: string): Promise<Record<string, unknown>> {
    const body = await this.#call('GET', resource, query, what);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  }

  /** Creates with an XML body (`<prestashop><order_history>…`): PrestaShop's webservice reads writes as XML only. */
  async create(resource: string, xml: string, what: string, query: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const body = await this.#call('POST', resource, query, what, xml);
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  }
}

/** The error message in a webservice error body (JSON `{"errors":[{"code","message"}]}` or XML `<error><code>…<message>…`), or nothing. */
function psMessage(body: string): string {
  let code: unknown;
  let message: unknown;
  try {
    const first = (JSON.parse(body) as { errors?: { message?: unknown; code?: unknown }[] }).errors?.[0];
    code = first?.code;
    message = first?.message;
  } catch {
    code = /<code><!\[CDATA\[(.*?)\]\]><\/code>/.exec(body)?.[1];
    message = /<message><!\[CDATA\[([\s\S]*?)\]\]><\/message>/.exec(body)?.[1];
  }
  if (typeof message !== 'string') return '';
  return ` PrestaShop said: "${message.slice(0, 200)}"${code === undefined ? '' : ` (code ${String(code)})`}.`;
}

const METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'DELETE'];

/**
 * The root listing in XML: `<api shopName="…"><orders xlink:href="https://…/api/orders" get="true"
 * put="true" post="true" patch="true" delete="true" head="true"><description …>…</description>…`.
 * A method the key lacks has no attribute; a resource it may not use at all is not listed.
 */
export function parsePermissions(xml: string): Permissions {
  const permissions: Permissions = new Map();
  for (const [, tag, resource = '', attributes = ''] of xml.matchAll(/<([a-z_]+)\s+xlink:href="[^"]*\/api\/([a-z_]+)"([^>]*)>/g)) {
    // A resource's <description> links to the resource too: only the element named like it counts.
    if (tag !== resource) continue;
    const methods = new Set(METHODS.filter((method) => new RegExp(`\\b${method.toLowerCase()}="true"`).test(attributes)));
    if (methods.size > 0) permissions.set(resource, methods);
  }
  return permissions;
}

/** `<prestashop><resource><field><![CDATA[…]]></field>…</resource></prestashop>`, as the webservice expects. */
export function xmlResource(resource: string, fields: Record<string, string | number>): string {
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}><![CDATA[${String(value).replace(/]]>/g, ']]]]><![CDATA[>')}]]></${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><prestashop xmlns:xlink="http://www.w3.org/1999/xlink"><${resource}>${inner}</${resource}></prestashop>`;
}
