/**
 * A Canvas signed request as Salesforce builds it (Canvas Developer Guide: CanvasRequest, Client, Context, User,
 * Organization, Environment, Record objects; Signed Request Authentication): the CanvasRequest JSON base64-encoded,
 * prefixed by the base64 HMAC-SHA256 of that encoded string keyed with the consumer secret, and a period.
 */
import { createHmac } from 'node:crypto';
import { INSTANCE_ORIGIN, ORG_ID, USER_ID } from './fake-salesforce.ts';

export const LIGHTNING_ORIGIN = 'https://acme.lightning.force.com';

export interface CanvasRequestOptions {
  record?: { type: string; id: string; fields?: Record<string, unknown> } | null;
  organizationId?: string;
  userId?: string;
  language?: string;
  algorithm?: string;
  issuedAt?: string | number | null;
}

/** The CanvasRequest Salesforce sends for a canvas app on a record page (Layouts and Mobile Cards / Lightning). */
export function canvasRequest(options: CanvasRequestOptions = {}): Record<string, unknown> {
  const userId = options.userId ?? USER_ID;
  const record = options.record === undefined ? { type: 'Contact', id: '0035e00000ZkM3hAAF' } : options.record;
  return {
    algorithm: options.algorithm ?? 'HMACSHA256',
    issuedAt: options.issuedAt === undefined ? null : options.issuedAt,
    userId,
    client: {
      instanceId: '_:spot_hit_sms:j_id0:j_id1:canvasapp',
      instanceUrl: INSTANCE_ORIGIN,
      oauthToken: '00D5e000000KQ2e!AR8AQJXg5kGcP1sGa0ivcJ4w.Rb7ls0pUY7Ckc6oHi0TNJ3Fh',
      refreshToken: null,
      targetOrigin: LIGHTNING_ORIGIN,
    },
    context: {
      application: {
        applicationId: '06P5e000000XsVx',
        authType: 'SIGNED_REQUEST',
        canvasUrl: 'https://hub.example.com/connectors/salesforce/ins_x/canvas',
        developerName: 'Spot_Hit_SMS',
        name: 'Spot-Hit SMS',
        namespace: null,
        options: [],
        referenceId: '09H5e000000Ab1C',
        samlInitiationMethod: 'None',
        version: '1.0.0',
      },
      user: {
        accessibilityModeEnabled: false,
        currencyISOCode: 'EUR',
        email: 'julie.bernard@acme.example',
        firstName: 'Julie',
        fullName: 'Julie Bernard',
        language: options.language ?? 'fr',
        lastName: 'Bernard',
        locale: options.language === 'en_US' ? 'en_US' : 'fr_FR',
        profileId: '00e5e000000Yx2b',
        roleId: null,
        timeZone: 'Europe/Paris',
        userId,
        userName: 'julie.bernard@acme.example',
        userType: 'STANDARD',
      },
      organization: { currencyIsoCode: 'EUR', multicurrencyEnabled: false, name: 'Acme', namespacePrefix: null, organizationId: options.organizationId ?? ORG_ID.slice(0, 15) },
      environment: {
        parameters: {},
        dimensions: { clientHeight: '600px', clientWidth: '560px', height: '900px', width: '800px', maxHeight: '2000px', maxWidth: '1000px' },
        record: record === null ? {} : { attributes: { type: record.type, url: `/services/data/v66.0/sobjects/${record.type}/${record.id}` }, Id: record.id, ...record.fields },
        displayLocation: 'PageLayout',
        subLocation: 'S1RecordHome',
        uiTheme: 'Theme4d',
        version: { api: '66.0', season: 'SPRING' },
      },
      links: { restUrl: '/services/data/v66.0/', sobjectUrl: '/services/data/v66.0/sobjects/', loginUrl: `${INSTANCE_ORIGIN}` },
    },
  };
}

/** `signed_request` as Salesforce posts it. */
export function signRequest(request: unknown, consumerSecret: string): string {
  const envelope = Buffer.from(JSON.stringify(request)).toString('base64');
  return `${createHmac('sha256', consumerSecret).update(envelope).digest('base64')}.${envelope}`;
}
