/**
 * A PrestaShop webservice reproduced with nock for the tests: Basic auth with the key as user name,
 * JSON answers as `output_format=JSON` gives them (lists `{"orders":[…]}`, one object
 * `{"order":{…}}`, errors `{"errors":[{"code","message"}]}` with PrestaShop's codes, e.g. 21 "No
 * permission for this authentication key"), and XML request bodies for writes, parsed back here so
 * the tests see what the hub sent. The root listing is XML (`get="true"`… per resource) unless JSON
 * is asked, which gives the names only, as WebserviceOutputJSON renders it.
 */
import nock from 'nock';

export type Row = Record<string, unknown>;

const ALL = { get: 'true', put: 'true', post: 'true', patch: 'true', delete: 'true', head: 'true' };

export class FakeWebservice {
  readonly url: string;
  readonly key = 'ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ';
  /** resource → methods the key may use (the root listing). */
  permissions: Record<string, Record<string, string>> = Object.fromEntries(
    ['orders', 'customers', 'addresses', 'countries', 'currencies', 'order_states', 'configurations', 'order_histories', 'customer_threads', 'customer_messages', 'products', 'carts'].map((name) => [name, { ...ALL }]),
  );
  readonly tables: Record<string, Map<number, Row>> = {};
  readonly requests: { method: string; path: string; body?: string }[] = [];
  /** Written resources as the XML carried them: `order_history` → fields. */
  readonly written: { resource: string; fields: Record<string, string> }[] = [];
  #nextId = 500;

  constructor(url = 'https://boutique.example.fr') {
    this.url = url;
  }

  table(name: string): Map<number, Row> {
    return (this.tables[name] ??= new Map());
  }

  #authorized(header: string | undefined): boolean {
    return header === `Basic ${Buffer.from(`${this.key}:`).toString('base64')}`;
  }

  start(): void {
    // nock 15 calls a one-argument reply function with the fetch Request.
    const answer = (method: string) => async (request: Request): Promise<nock.ReplyFnResult> => this.reply(method, request.url, await request.text(), request.headers.get('authorization') ?? undefined);
    nock(this.url)
      .persist()
      .get((path) => path.startsWith('/api/'))
      .query(true)
      .reply(answer('GET'))
      .post((path) => path.startsWith('/api/'))
      .query(true)
      .reply(answer('POST'));
  }

  stop(): void {
    nock.cleanAll();
  }

  reply(method: string, uri: string, body: string, authorization: string | undefined): nock.ReplyFnResult {
    const url = new URL(uri, this.url);
    this.requests.push({ method, path: `${url.pathname}${url.search}`, ...(method === 'POST' ? { body } : {}) });
    // Errors in the format asked for: JSON with output_format=JSON, else WebserviceOutputXML's.
    const error = (status: number, code: number, message: string): nock.ReplyFnResult =>
      url.searchParams.get('output_format') === 'JSON'
        ? [status, { errors: [{ code, message }] }]
        : [status, `<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n<errors>\n<error>\n<code><![CDATA[${code}]]></code>\n<message><![CDATA[${message}]]></message>\n</error>\n</errors>\n</prestashop>`, { 'content-type': 'text/xml;charset=utf-8' }];
    if (!this.#authorized(authorization)) return error(401, 21, 'No permission for this authentication key');
    const [resource = '', id] = url.pathname.replace(/^\/api\/?/, '').split('/');
    if (resource === '') return url.searchParams.get('output_format') === 'JSON' ? [200, Object.keys(this.permissions)] : [200, this.rootXml(), { 'content-type': 'text/xml;charset=utf-8' }];
    if (url.searchParams.get('output_format') !== 'JSON') return [200, '<?xml version="1.0" encoding="UTF-8"?><prestashop/>', { 'content-type': 'text/xml' }];
    if (this.permissions[resource]?.[method.toLowerCase()] !== 'true') return error(403, 25, `Method ${method} is not allowed for the resource ${resource} with this authentication key`);
    if (method === 'POST') return this.#create(resource, body);
    const rows = this.table(resource);
    const singular = resource === 'addresses' ? 'address' : resource === 'countries' ? 'country' : resource === 'currencies' ? 'currency' : resource.replace(/s$/, '');
    if (id !== undefined) {
      const row = rows.get(Number(id));
      return row ? [200, { [singular]: row }] : error(404, 87, `${resource} ${id} not found`);
    }
    let found = [...rows.values()];
    for (const [name, value] of url.searchParams) {
      const field = /^filter\[(\w+)\]$/.exec(name)?.[1];
      if (!field) continue;
      const range = /^\[(.*),(.*)\]$/.exec(value);
      const list = /^\[(.*)\]$/.exec(value);
      if (range) found = found.filter((row) => String(row[field]) >= range[1]! && String(row[field]) <= range[2]!);
      else if (list) found = found.filter((row) => list[1]!.split('|').includes(String(row[field])));
    }
    const sort = url.searchParams.get('sort');
    const sortField = sort && /^\[(\w+)_(ASC|DESC)\]$/.exec(sort);
    if (sortField) found.sort((a, b) => String(a[sortField[1]!]).localeCompare(String(b[sortField[1]!])) * (sortField[2] === 'DESC' ? -1 : 1));
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    // PrestaShop answers an empty list as `[]`, not `{"orders":[]}`.
    return [200, found.length === 0 ? [] : { [resource]: found.slice(0, limit) }];
  }

  /** The root listing as WebserviceRequest renders it in XML: one element per resource the key may use, one attribute per method. */
  rootXml(): string {
    const resources = Object.entries(this.permissions).map(([name, methods]) => {
      const attributes = Object.entries(methods).filter(([, value]) => value === 'true').map(([method]) => ` ${method}="true"`).join('');
      const href = `${this.url}/api/${name}`;
      return `<${name} xlink:href="${href}"${attributes}><description xlink:href="${href}"${attributes}>The ${name}</description><schema xlink:href="${href}?schema=blank" type="blank"/><schema xlink:href="${href}?schema=synopsis" type="synopsis"/></${name}>`;
    });
    return `<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n<api shopName="Bougies &amp; Co">${resources.join('\n')}</api>\n</prestashop>`;
  }

  #create(resource: string, xml: string): nock.ReplyFnResult {
    const element = /<prestashop[^>]*><(\w+)>([\s\S]*)<\/\1><\/prestashop>/.exec(xml);
    if (!element) return [400, { errors: [{ code: 127, message: 'XML error' }] }];
    const fields: Record<string, string> = {};
    for (const [, name, value] of element[2]!.matchAll(/<(\w+)><!\[CDATA\[([\s\S]*?)\]\]><\/\1>/g)) fields[name!] = value!;
    this.written.push({ resource: element[1]!, fields });
    const id = this.#nextId++;
    this.table(resource).set(id, { id, ...fields });
    return [201, { [element[1]!]: { id, ...fields } }];
  }
}
