/**
 * Salesforce Outbound Messages (SOAP 1.1), as the Outbound Messaging WSDL defines them (namespace
 * http://soap.sforce.com/2005/09/outbound):
 *
 *   <soapenv:Envelope><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">
 *     <OrganizationId>00D…</OrganizationId> <ActionId>04k…</ActionId> <SessionId xsi:nil="true"/>
 *     <EnterpriseUrl>…</EnterpriseUrl> <PartnerUrl>…</PartnerUrl>
 *     <Notification> (1 to 100) <Id>04l…</Id>
 *       <sObject xsi:type="sf:Task" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00T…</sf:Id><sf:Subject>…</sf:Subject>…</sObject>
 *     </Notification>
 *   </notifications></soapenv:Body></soapenv:Envelope>
 *
 * The answer that acknowledges every notification is `notificationsResponse` with `<Ack>true</Ack>`; anything else
 * (a SOAP fault included) makes Salesforce send the message again, for up to 24 hours. The notifications' `Id`s are
 * what Salesforce repeats on a retry (the connector dedupes on them). The session id, when the admin included it, is
 * a live Salesforce session: it is never stored.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { id18, SALESFORCE_ID } from './ids.ts';

export const OUTBOUND_NAMESPACE = 'http://soap.sforce.com/2005/09/outbound';
const SOAP_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const MAX_NOTIFICATIONS = 100;
/** The installation's endpoint: /connectors/salesforce/<installation>/outbound-messages/<token>. */
export const OUTBOUND_MESSAGE_PATH = 'outbound-messages';
/** The inbox kind of one record's notification (an Outbound Message's, or a row the backstop poll read). */
export const NOTIFICATION_KIND = 'outbound-message';

/** One notification as the inbox keeps it: which record of which object, with the fields the admin chose. */
export interface OutboundNotification {
  organizationId: string;
  actionId: string;
  notificationId: string;
  sobjectType: string;
  /** Field API name → value as sent (strings; null for xsi:nil). */
  fields: Record<string, string | null>;
}

export type ParsedMessage = { ok: true; organizationId: string; notifications: OutboundNotification[] } | { ok: false; reason: string };

const localName = (name: string) => name.replace(/^[^:]*:/, '');

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Only XML's own five entities: SOAP forbids a DTD (refused below), and HTML entities are not XML.
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => localName(name) === 'Notification',
});

/**
 * Element names without their prefix (Salesforce writes `soapenv:`, `sf:`; another sender `soap:`), attributes too
 * (`xsi:type` → `@type`) except the namespace declarations, kept whole (`@xmlns`, `@xmlns:sf`) to check the namespace.
 */
function withoutPrefixes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPrefixes);
  if (typeof node !== 'object' || node === null) return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const name = key.startsWith('@') ? (key.startsWith('@xmlns') ? key : `@${localName(key.slice(1))}`) : localName(key);
    result[name] = withoutPrefixes(value);
  }
  return result;
}

const declaresNamespace = (element: Record<string, unknown>, namespace: string) => Object.entries(element).some(([key, value]) => key.startsWith('@xmlns') && value === namespace);

const IdSchema = z.string().regex(SALESFORCE_ID);
const NotificationSchema = z.object({
  Id: IdSchema,
  sObject: z.record(z.string(), z.unknown()),
});
const NotificationsSchema = z.object({
  OrganizationId: IdSchema,
  ActionId: IdSchema,
  Notification: z.array(NotificationSchema).min(1).max(MAX_NOTIFICATIONS),
});

/** An element's text: a plain string, `{ '#text' }` with attributes, or null when `xsi:nil="true"`. */
function textOf(value: unknown): string | null | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const element = value as Record<string, unknown>;
    if (element['@nil'] === 'true') return null;
    if (typeof element['#text'] === 'string') return element['#text'];
    if (Object.keys(element).every((key) => key.startsWith('@'))) return '';
  }
  return undefined;
}

export function parseOutboundMessage(xml: string): ParsedMessage {
  if (xml.trim() === '') return { ok: false, reason: 'empty body' };
  // SOAP 1.1 messages carry no document type declaration; refusing one rules out entity expansion attacks.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'a document type declaration is not allowed in a SOAP message' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, reason: `malformed XML: ${valid.err.msg} (line ${valid.err.line})` };
  const document = withoutPrefixes(parser.parse(xml)) as { Envelope?: Record<string, unknown> & { Body?: { notifications?: unknown } } };
  const envelope = document.Envelope;
  const body = envelope?.Body;
  if (!envelope || !declaresNamespace(envelope, SOAP_ENVELOPE_NAMESPACE) || typeof body !== 'object' || body === null) return { ok: false, reason: 'not a SOAP 1.1 envelope with a body' };
  if (typeof body.notifications !== 'object' || body.notifications === null) return { ok: false, reason: 'the SOAP body holds no notifications element (an Outbound Message)' };
  if (!declaresNamespace(body.notifications as Record<string, unknown>, OUTBOUND_NAMESPACE)) return { ok: false, reason: `notifications is not in the Outbound Messaging namespace ${OUTBOUND_NAMESPACE}` };
  const parsed = NotificationsSchema.safeParse(body.notifications);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `not an Outbound Message: ${issue.path.join('.') || 'notifications'}: ${issue.message}` };
  }
  const organizationId = id18(parsed.data.OrganizationId)!;
  const notifications: OutboundNotification[] = [];
  for (const notification of parsed.data.Notification) {
    const sobject = notification.sObject;
    const type = typeof sobject['@type'] === 'string' ? sobject['@type'].replace(/^[^:]*:/, '') : '';
    if (!/^[A-Za-z][A-Za-z0-9_]{0,79}$/.test(type)) return { ok: false, reason: `notification ${notification.Id}: its sObject has no xsi:type naming the object` };
    const fields: Record<string, string | null> = {};
    for (const [name, value] of Object.entries(sobject)) {
      if (name.startsWith('@')) continue;
      const text = textOf(value);
      // A repeated or nested element is not a field of the Outbound Messaging WSDL.
      if (text === undefined) return { ok: false, reason: `notification ${notification.Id}: field ${name} is not a simple value` };
      fields[name] = text;
    }
    if (typeof fields.Id !== 'string' || !SALESFORCE_ID.test(fields.Id)) return { ok: false, reason: `notification ${notification.Id}: its sObject has no record Id` };
    fields.Id = id18(fields.Id)!;
    notifications.push({ organizationId, actionId: id18(parsed.data.ActionId)!, notificationId: id18(notification.Id)!, sobjectType: type, fields });
  }
  return { ok: true, organizationId, notifications };
}

const ENVELOPE_OPEN = `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NAMESPACE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n <soapenv:Body>\n`;
const ENVELOPE_CLOSE = ' </soapenv:Body>\n</soapenv:Envelope>\n';

/** The acknowledgement of every notification of the message. */
export const ACK_RESPONSE = `${ENVELOPE_OPEN}  <notificationsResponse xmlns="${OUTBOUND_NAMESPACE}">\n   <Ack>true</Ack>\n  </notificationsResponse>\n${ENVELOPE_CLOSE}`;

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!);

/** A SOAP 1.1 fault: `Client` when the message itself is refused, `Server` when the hub could not keep it (try again). */
export function soapFault(code: 'Client' | 'Server', message: string): string {
  return `${ENVELOPE_OPEN}  <soapenv:Fault>\n   <faultcode>soapenv:${code}</faultcode>\n   <faultstring>${escapeXml(message)}</faultstring>\n  </soapenv:Fault>\n${ENVELOPE_CLOSE}`;
}
