/**
 * Outbound Messages as Salesforce sends them (the Outbound Messaging WSDL; the sample message below is Salesforce's
 * documented shape, as the ASP.NET WebHooks Salesforce receiver's tests keep it): single and batched notifications,
 * any object, nil fields; and what is refused.
 */
import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { id18 } from './ids.ts';
import { ACK_RESPONSE, MAX_NOTIFICATIONS, parseOutboundMessage, soapFault } from './outbound-message.ts';
import { ORG_ID, outboundMessage } from './testing/fake-salesforce.ts';

const SAMPLE = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D1I000003qqqE</OrganizationId>
   <ActionId>04k1I000000bmsHQAQ</ActionId>
   <SessionId>00D1I000003qqqE!AQsAQOjGFnFJzGPA12yhUGL9Aii0N6lADjH2bNUBHRer5QjjTq3</SessionId>
   <EnterpriseUrl>https://na73.salesforce.com/services/Soap/c/41.0/00D1I000003qqqE</EnterpriseUrl>
   <PartnerUrl>https://na73.salesforce.com/services/Soap/u/41.0/00D1I000003qqqE</PartnerUrl>
   <Notification>
    <Id>04l1I000000fztEQAQ</Id>
    <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0031I0000081tbPQAQ</sf:Id>
     <sf:CreatedDate>2017-12-11T21:49:24.000Z</sf:CreatedDate>
     <sf:FirstName>Jeraldine</sf:FirstName>
     <sf:LastName>Black</sf:LastName>
     <sf:Title>White</sf:Title>
    </sObject>
   </Notification>
   <Notification>
    <Id>04l1I000000fzt9QAA</Id>
    <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0031I0000081tb0QAA</sf:Id>
     <sf:Email>drb24@cornell.edu</sf:Email>
     <sf:FirstName>Doug</sf:FirstName>
     <sf:LastName>Bunting &amp; Co</sf:LastName>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;

describe('Outbound Message parsing', () => {
  it('reads Salesforce\'s sample: the org in its 18-character form, each notification, its object and fields; never the session id', () => {
    const parsed = parseOutboundMessage(SAMPLE);
    expect(parsed).toEqual({
      ok: true,
      organizationId: id18('00D1I000003qqqE'),
      notifications: [
        {
          organizationId: id18('00D1I000003qqqE'),
          actionId: '04k1I000000bmsHQAQ',
          notificationId: '04l1I000000fztEQAQ',
          sobjectType: 'Contact',
          fields: { Id: '0031I0000081tbPQAQ', CreatedDate: '2017-12-11T21:49:24.000Z', FirstName: 'Jeraldine', LastName: 'Black', Title: 'White' },
        },
        { organizationId: id18('00D1I000003qqqE'), actionId: '04k1I000000bmsHQAQ', notificationId: '04l1I000000fzt9QAA', sobjectType: 'Contact', fields: { Id: '0031I0000081tb0QAA', Email: 'drb24@cornell.edu', FirstName: 'Doug', LastName: 'Bunting & Co' } },
      ],
    });
    expect(JSON.stringify(parsed)).not.toContain('AQsAQ');
  });

  it('reads a single Task and a batch of 100 Orders, nil fields as null, any envelope prefix', () => {
    const task = parseOutboundMessage(
      outboundMessage({ sobject: 'Task', notifications: [{ id: '04l5e00000Gx7Qz', fields: { Id: '00T5e00000AbCdE', OwnerId: '0055e000003TdXy', Subject: 'Rappeler', WhoId: null } }] }).replace(/soapenv:/g, 'soap:').replace('xmlns:soapenv', 'xmlns:soap'),
    );
    expect(task).toMatchObject({ ok: true, organizationId: ORG_ID, notifications: [{ sobjectType: 'Task', notificationId: id18('04l5e00000Gx7Qz'), fields: { Id: id18('00T5e00000AbCdE'), OwnerId: '0055e000003TdXy', Subject: 'Rappeler', WhoId: null } }] });
    const orders = Array.from({ length: MAX_NOTIFICATIONS }, (_, index) => ({ id: `04l5e00000G${String(index).padStart(4, '0')}`, fields: { Id: `8015e00000O${String(index).padStart(4, '0')}`, Status: 'Activated' } }));
    const batch = parseOutboundMessage(outboundMessage({ sobject: 'Order', notifications: orders }));
    expect(batch.ok && batch.notifications.length).toBe(MAX_NOTIFICATIONS);
    expect(batch.ok && new Set(batch.notifications.map((one) => one.notificationId)).size).toBe(MAX_NOTIFICATIONS);
  });

  it.each([
    ['an empty body', ''],
    ['malformed XML', SAMPLE.replace('</notifications>', '')],
    ['a document type declaration', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${SAMPLE}`],
    ['another namespace', SAMPLE.replace('http://soap.sforce.com/2005/09/outbound', 'http://example.com/outbound')],
    ['no SOAP envelope', '<notifications xmlns="http://soap.sforce.com/2005/09/outbound"/>'],
    ['no notification', SAMPLE.replace(/<Notification>[\s\S]*<\/Notification>/, '')],
    ['101 notifications', outboundMessage({ sobject: 'Lead', notifications: Array.from({ length: 101 }, (_, index) => ({ id: `04l5e00000H${String(index).padStart(4, '0')}`, fields: { Id: `00Q5e00000L${String(index).padStart(4, '0')}` } })) })],
    ['a bad org id', SAMPLE.replace('00D1I000003qqqE</OrganizationId>', 'acme</OrganizationId>')],
    ['a record without Id', SAMPLE.replace('<sf:Id>0031I0000081tbPQAQ</sf:Id>', '')],
    ['an sObject without type', SAMPLE.replace('xsi:type="sf:Contact" ', '')],
    ['a nested field', SAMPLE.replace('<sf:Title>White</sf:Title>', '<sf:Title><sf:X>1</sf:X></sf:Title>')],
  ])('refuses %s', (_what, xml) => {
    expect(parseOutboundMessage(xml)).toMatchObject({ ok: false, reason: expect.any(String) });
  });

  it('answers the exact notificationsResponse, and faults that are SOAP 1.1 faults', () => {
    const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true });
    expect(parser.parse(ACK_RESPONSE).Envelope.Body.notificationsResponse).toEqual({ Ack: true });
    expect(ACK_RESPONSE).toContain('<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n   <Ack>true</Ack>\n  </notificationsResponse>');
    expect(parser.parse(soapFault('Client', 'org <x> & y')).Envelope.Body.Fault).toEqual({ faultcode: 'soapenv:Client', faultstring: 'org <x> & y' });
  });
});
