/**
 * Salesforce for tests, reproduced with nock from its documentation:
 * - the identity URL `GET https://login.salesforce.com/id/<org>/<user>` (help.salesforce.com "Identity URLs":
 *   id, asserted_user, user_id, organization_id, username, nick_name, display_name, email, urls…);
 * - the REST API at the org's instance, `/services/data/v66.0/` (REST API Developer Guide): `query?q=` answering
 *   `{ totalSize, done, records: [{ attributes: { type, url }, …fields }] }` for `SELECT <fields> FROM <object>
 *   [WHERE <field> = '<value>' | <field> >= <instant> [AND …]] [ORDER BY <field> ASC|DESC] [LIMIT n]` (an object the
 *   org lacks: 400 INVALID_TYPE), `POST sobjects/<object>` → 201 `{ id, errors: [], success: true }`,
 *   `PATCH sobjects/<object>/<id>` → 204; `search?q=FIND {<term> OR …} IN PHONE|EMAIL FIELDS RETURNING Contact(Id), Lead(Id
 *   WHERE IsConverted = false)` → `{ searchRecords: [{ attributes: { type, url }, Id }] }` (phone fields compared on
 *   their digits, as Salesforce search ignores their punctuation; reserved characters escaped with \); a token the authorization server no longer honours → 401
 *   `[{ "message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID" }]`; an unknown record → 404
 *   `[{ "errorCode": "NOT_FOUND", "message": "The requested resource does not exist" }]`.
 * Access tokens are checked against the local authorization server (test/support/oauth-server.ts), which issued them.
 * Outbound Messages are built as Salesforce sends them (`outboundMessage`).
 */
import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { API_VERSION } from '../client.ts';
import { id18 } from '../ids.ts';

export const LOGIN_ORIGIN = 'https://login.salesforce.com';
export const INSTANCE_ORIGIN = 'https://acme.my.salesforce.com';
export const ORG_ID = id18('00D5e000000KQ2e')!;
export const USER_ID = id18('0055e000003TdXy')!;
export const USERNAME = 'admin@acme.example';

type SObject = Record<string, string | number | boolean | null>;

export interface FakeSalesforce {
  /** Records by object, then by id. */
  records: Map<string, Map<string, SObject>>;
  put(sobject: string, record: SObject & { Id: string }): void;
  created: { sobject: string; body: SObject; id: string }[];
  updated: { sobject: string; id: string; body: SObject }[];
  queries: string[];
  /** SOSL searches, as received. */
  searches: string[];
  /** Calls refused with 401 INVALID_SESSION_ID. */
  unauthorized: number;
  stop(): void;
}

const PREFIXES: Record<string, string> = { Task: '00T', Contact: '003', Lead: '00Q', Order: '801', User: '005', Account: '001', Organization: '00D' };

/** A new 18-character id of an object, as Salesforce makes them. */
export function newRecordId(sobject: string): string {
  const base = `${PREFIXES[sobject] ?? 'a00'}5e0${randomBytes(8).toString('hex').slice(0, 9)}`.slice(0, 15);
  return id18(base)!;
}

export function startFakeSalesforce(accountOf: (accessToken: string) => string | undefined): FakeSalesforce {
  const fake: FakeSalesforce = {
    records: new Map(),
    put(sobject, record) {
      let table = fake.records.get(sobject);
      if (!table) fake.records.set(sobject, (table = new Map()));
      table.set(record.Id, record);
    },
    created: [],
    updated: [],
    queries: [],
    searches: [],
    unauthorized: 0,
    stop: () => nock.cleanAll(),
  };
  fake.put('Organization', { Id: ORG_ID, Name: 'Acme' });
  // Every org has Tasks; Orders and Leads come with a test's records (an org without them answers INVALID_TYPE).
  fake.records.set('Task', new Map());

  const authorized = (request: Request) => {
    const header = request.headers.get('authorization') ?? '';
    const ok = header.startsWith('Bearer ') && accountOf(header.slice(7)) !== undefined;
    if (!ok) fake.unauthorized++;
    return ok;
  };
  const sessionExpired = [401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]] as const;

  nock(LOGIN_ORIGIN)
    .persist()
    .get(/^\/id\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/)
    .reply(async (request: Request): Promise<nock.ReplyFnResult> => {
      if (!authorized(request)) return [403, 'Bad_OAuth_Token'];
      const path = new URL(request.url).pathname;
      const [, , org, user] = path.split('/');
      return [
        200,
        {
          id: `${LOGIN_ORIGIN}${path}`,
          asserted_user: true,
          user_id: user,
          organization_id: org,
          username: USERNAME,
          nick_name: 'admin',
          display_name: 'Acme Admin',
          email: 'admin@acme.example',
          status: { created_date: null, body: null },
          urls: { rest: `${INSTANCE_ORIGIN}/services/data/v{version}/`, query: `${INSTANCE_ORIGIN}/services/data/v{version}/query/` },
          active: true,
          user_type: 'STANDARD',
          language: 'fr',
          locale: 'fr_FR',
          utcOffset: 3600000,
        },
      ];
    });

  const base = `/services/data/v${API_VERSION}`;
  nock(INSTANCE_ORIGIN)
    .persist()
    .get(new RegExp(`^${base}/query/?$`))
    .query(true)
    .reply(async (request: Request): Promise<nock.ReplyFnResult> => {
      if (!authorized(request)) return sessionExpired as unknown as nock.ReplyFnResult;
      const soql = new URL(request.url).searchParams.get('q') ?? '';
      fake.queries.push(soql);
      const match = /^SELECT (.+?) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY (\w+) (ASC|DESC))?(?: LIMIT (\d+))?$/i.exec(soql.trim());
      if (!match) return [400, [{ message: `unexpected SOQL in the fake: ${soql}`, errorCode: 'MALFORMED_QUERY' }]];
      const [, fieldList, sobject, where, orderBy, direction, limit] = match;
      if (!fake.records.has(sobject!)) return [400, [{ message: `sObject type '${sobject}' is not supported.`, errorCode: 'INVALID_TYPE' }]];
      const fields = fieldList!.split(',').map((field) => field.trim());
      // REST writes date-times as 2026-12-05T09:00:00.000+0000; SOQL literals are 2026-12-05T09:00:00Z.
      const instant = (value: unknown) => Date.parse(String(value).replace(/\+0000$/, 'Z'));
      let rows = [...fake.records.get(sobject!)!.values()];
      for (const condition of where ? where.split(' AND ') : []) {
        const parsed = /^(\w+) (=|>=) (?:'([^']*)'|(\S+))$/.exec(condition);
        if (!parsed) return [400, [{ message: `unexpected condition in the fake: ${condition}`, errorCode: 'MALFORMED_QUERY' }]];
        const [, field, op, quoted, literal] = parsed;
        rows = rows.filter((row) => (op === '=' ? (field === 'Id' ? id18(String(row.Id)) === id18(quoted!) : row[field!] === quoted) : instant(row[field!]) >= Date.parse(literal!)));
      }
      if (orderBy) rows.sort((a, b) => (instant(a[orderBy]) - instant(b[orderBy])) * (direction === 'DESC' ? -1 : 1));
      if (limit) rows = rows.slice(0, Number(limit));
      const records = rows.map((row) => ({ attributes: { type: sobject, url: `${base}/sobjects/${sobject}/${row.Id}` }, ...Object.fromEntries(fields.map((field) => [field, row[field] ?? null])) }));
      return [200, { totalSize: records.length, done: true, records }];
    })
    .get(new RegExp(`^${base}/search/?$`))
    .query(true)
    .reply(async (request: Request): Promise<nock.ReplyFnResult> => {
      if (!authorized(request)) return sessionExpired as unknown as nock.ReplyFnResult;
      const sosl = new URL(request.url).searchParams.get('q') ?? '';
      fake.searches.push(sosl);
      const match = /^FIND \{(.+)\} IN (PHONE|EMAIL) FIELDS RETURNING Contact\(Id\), Lead\(Id WHERE IsConverted = false\)$/.exec(sosl);
      if (!match) return [400, [{ message: `unexpected SOSL in the fake: ${sosl}`, errorCode: 'MALFORMED_SEARCH' }]];
      const terms = match[1]!.split(' OR ').map((term) => term.replace(/\\(.)/g, '$1').toLowerCase());
      const digits = (value: unknown) => String(value ?? '').replace(/\D/g, '');
      const holds = (row: SObject) =>
        match[2] === 'PHONE' ? [row.Phone, row.MobilePhone].some((phone) => phone && terms.includes(digits(phone))) : typeof row.Email === 'string' && terms.includes(row.Email.toLowerCase());
      const searchRecords = ['Contact', 'Lead'].flatMap((sobject) =>
        [...(fake.records.get(sobject)?.values() ?? [])].filter((row) => holds(row) && !(sobject === 'Lead' && row.IsConverted === true)).map((row) => ({ attributes: { type: sobject, url: `${base}/sobjects/${sobject}/${row.Id}` }, Id: row.Id })),
      );
      return [200, { searchRecords }];
    })
    .post(new RegExp(`^${base}/sobjects/\\w+/?$`))
    .reply(async (request: Request): Promise<nock.ReplyFnResult> => {
      if (!authorized(request)) return sessionExpired as unknown as nock.ReplyFnResult;
      const sobject = new URL(request.url).pathname.split('/')[5]!;
      const id = newRecordId(sobject);
      const record = JSON.parse(await request.text()) as SObject;
      fake.created.push({ sobject, body: record, id });
      fake.put(sobject, { ...record, Id: id, CreatedDate: new Date().toISOString().replace('Z', '+0000') });
      return [201, { id, errors: [], success: true }];
    })
    .patch(new RegExp(`^${base}/sobjects/\\w+/\\w+$`))
    .reply(async (request: Request): Promise<nock.ReplyFnResult> => {
      if (!authorized(request)) return sessionExpired as unknown as nock.ReplyFnResult;
      const [, , , , , sobject, id] = new URL(request.url).pathname.split('/');
      const body = JSON.parse(await request.text()) as SObject;
      const existing = fake.records.get(sobject!)?.get(id18(id!) ?? '');
      if (!existing) return [404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]];
      fake.updated.push({ sobject: sobject!, id: id!, body });
      Object.assign(existing, body);
      return [204, ''];
    });
  return fake;
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!);

/**
 * An Outbound Message as Salesforce sends it (the Outbound Messaging WSDL; Salesforce's own sample message): one
 * `notifications` with the org, the action, the session id when the admin asked for it, and 1 to 100 notifications
 * of one object, each field an `sf:` element (null values as xsi:nil).
 */
export function outboundMessage(options: {
  organizationId?: string;
  actionId?: string;
  sobject: string;
  notifications: { id: string; fields: Record<string, string | null> }[];
}): string {
  const notifications = options.notifications
    .map(
      (notification) => `   <Notification>
    <Id>${notification.id}</Id>
    <sObject xsi:type="sf:${options.sobject}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
${Object.entries(notification.fields)
  .map(([name, value]) => (value === null ? `     <sf:${name} xsi:nil="true"/>` : `     <sf:${name}>${escapeXml(value)}</sf:${name}>`))
  .join('\n')}
    </sObject>
   </Notification>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${options.organizationId ?? ORG_ID}</OrganizationId>
   <ActionId>${options.actionId ?? '04k5e000000CaRkAAK'}</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>${INSTANCE_ORIGIN}/services/Soap/c/${API_VERSION}/${(options.organizationId ?? ORG_ID).slice(0, 15)}</EnterpriseUrl>
   <PartnerUrl>${INSTANCE_ORIGIN}/services/Soap/u/${API_VERSION}/${(options.organizationId ?? ORG_ID).slice(0, 15)}</PartnerUrl>
${notifications}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
`;
}
