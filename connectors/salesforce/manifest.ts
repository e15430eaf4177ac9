import { z } from 'zod';
import { defineManifest } from '../../src/connectors/manifest.ts';
import { OAuthTokensSchema } from '../../src/connectors/oauth/schema.ts';
import { OrderStatusSchema } from '../../src/bus/catalog/commerce.ts';
import { salesforceEvents } from './event-types.ts';
import { DEFAULT_ORDER_STATUSES } from './events.ts';
import { API_NAME } from './ids.ts';

/** `api`: the REST API; `refresh_token`: a refresh token (Salesforce gives none without it). */
export const SALESFORCE_SCOPES = ['api', 'refresh_token'] as const;

/** Where the org signs in: Salesforce's production or sandbox login, or the org's own My Domain. */
export const LOGIN_SERVERS = { production: 'https://login.salesforce.com', sandbox: 'https://test.salesforce.com' } as const;

/** My Domain login addresses: https://<name>.my.salesforce.com (sandboxes: <name>--<sandbox>.sandbox.my.salesforce.com). */
const MY_DOMAIN_HOST = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?(?:\.(?:sandbox|develop|scratch|demo|patch|trailblaze))?\.my\.(?:salesforce\.com|salesforce\.mil|sfcrmproducts\.cn)$/;

export const MyDomainUrlSchema = z
  .string()
  .trim()
  .max(200)
  .transform((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:' || !MY_DOMAIN_HOST.test(url.hostname) || url.port !== '' || (url.pathname !== '/' && url.pathname !== '')) {
      ctx.issues.push({ code: 'custom', input: value, message: 'expected the org\'s My Domain login address, e.g. https://acme.my.salesforce.com (Setup → My Domain)' });
      return z.NEVER;
    }
    return url.origin;
  })
  .describe('The org\'s My Domain address (Setup → My Domain), e.g. https://acme.my.salesforce.com; with environment "my-domain".');

const EnvironmentSchema = z.enum(['production', 'sandbox', 'my-domain']).describe('Where the org signs in: production (login.salesforce.com), sandbox (test.salesforce.com), or its My Domain.');

const ApiName = z.string().regex(API_NAME, 'expected an API name such as Invoice__c or Due_Date__c');

/** The object billing reminders read, and its fields: an Opportunity's close date, a custom Invoice's due date… */
export const InvoicesSchema = z
  .object({
    sobject: ApiName.refine((name) => !['Task', 'Order', 'Contact', 'Lead'].includes(name), 'Task, Order, Contact and Lead have their own events').describe('The object: Opportunity, Invoice__c…'),
    dueDateField: ApiName.describe('Its due date (a Date or Date/Time field): CloseDate, Due_Date__c…'),
    contactField: ApiName.describe('The lookup to the Contact to remind: ContactId (Opportunity\'s primary contact), Contact__c…'),
    numberField: ApiName.default('Name').describe('What the SMS calls it: Name, Invoice_Number__c…'),
    amountField: ApiName.optional().describe('The amount due: Amount, Balance__c…'),
    paidField: ApiName.optional().describe('A checkbox true once paid (IsWon, Paid__c…): the reminders stop.'),
  })
  .strict();

/** A text the SMS tab offers (the rep may change it before sending). */
export const TabTemplateSchema = z
  .object({
    name: z.string().trim().min(1).max(80).describe('What the rep picks: "Rappel de rendez-vous".'),
    text: z.string().trim().min(1).max(1_000).describe('The text, a template: "Bonjour {{ record.FirstName }}, …".'),
    category: z.enum(['transactional', 'marketing']).default('transactional').describe('transactional (a case, an order, an appointment) or marketing (needs consent; STOP mention).'),
  })
  .strict();

const InstallInputSchema = z
  .object({
    environment: EnvironmentSchema.default('production'),
    myDomainUrl: MyDomainUrlSchema.optional(),
    phoneRegion: z.string().regex(/^[A-Z]{2}$/).optional().describe('Country national phone numbers in Salesforce are read in ("06 12 34 56 78" in FR).'),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.environment === 'my-domain' && input.myDomainUrl === undefined) ctx.addIssue({ code: 'custom', path: ['myDomainUrl'], message: 'required with environment "my-domain"' });
    if (input.environment !== 'my-domain' && input.myDomainUrl !== undefined) ctx.addIssue({ code: 'custom', path: ['myDomainUrl'], message: 'only with environment "my-domain"' });
  });
export type InstallInput = z.output<typeof InstallInputSchema>;

export const SettingsSchema = z
  .object({
    organizationId: z.string().describe('The Salesforce org (18-character id); read-only: install again for another org.'),
    username: z.string().describe('The Salesforce user the hub acts as (who signed in); read-only.'),
    environment: EnvironmentSchema,
    phoneRegion: z.string().regex(/^[A-Z]{2}$/).default('FR').describe('Country national phone numbers in Salesforce are read in.'),
    currency: z.string().regex(/^[A-Z]{3}$/).default('EUR').describe('Orders\' currency when the org has no multi-currency (no CurrencyIsoCode field).'),
    orderStatuses: z
      .record(z.string().min(1).max(255), OrderStatusSchema)
      .default(DEFAULT_ORDER_STATUSES)
      .describe('Salesforce Order status (its picklist value) → the hub\'s order status, which the order SMS template speaks of. A status not listed publishes nothing.'),
    smsConsentField: z
      .string()
      .regex(API_NAME)
      .optional()
      .describe('A checkbox field of Contact and Lead (same API name on both) saying the person agreed to SMS, e.g. SMS_Opt_In__c; add it to the Outbound Messages\' fields.'),
    pollEveryMinutes: z.number().int().min(5).max(1440).default(15).describe('How often the hub reads what changed in Salesforce whatever the Outbound Messages say (a missed one is caught).'),
    pollObjects: z
      .array(z.enum(['Task', 'Order', 'Contact', 'Lead']))
      .max(4)
      .default(['Task', 'Order', 'Contact', 'Lead'])
      .describe('The objects the backstop poll reads (the invoices\' object too when set); leave out those the org does not use.'),
    invoices: InvoicesSchema.optional().describe('Which records are invoices to remind of (invoice.due / invoice.paid); none: no billing reminders.'),
    logSms: z
      .boolean()
      .default(true)
      .describe('Log every SMS the hub sends to, and every reply from, a Salesforce contact or lead as a completed Task ("SMS envoyé" / "SMS reçu"), its delivery status updated when the receipt arrives.'),
    smsStatusField: z
      .string()
      .regex(API_NAME)
      .optional()
      .describe('A text field of Task (Setup → Object Manager → Activity), e.g. SMS_Status__c, given the SMS\'s delivery status (envoyé, délivré, non délivré…) besides the status line of the comments.'),
    smsOptOutField: z
      .string()
      .regex(API_NAME)
      .optional()
      .describe('A checkbox of Contact and Lead (same API name on both), e.g. SMS_Opt_Out__c: ticked when the person texts STOP or is opted out in the hub; ticked in Salesforce, the number is opted out in the hub. Add it to the Outbound Messages\' fields.'),
    emailOptOutSync: z
      .boolean()
      .default(true)
      .describe('HasOptedOutOfEmail ticked on the matching contacts and leads when an address unsubscribes from the hub\'s emails; ticked in Salesforce, the address is opted out in the hub.'),
    tabTemplates: z
      .array(TabTemplateSchema)
      .max(50)
      .default([])
      .describe('The texts sales reps pick from in the SMS tab on Salesforce records; {{ record.FirstName }} reads a field of the record.'),
  })
  .strict();
export type Settings = z.output<typeof SettingsSchema>;

export const CredentialsSchema = OAuthTokensSchema;
export type Credentials = z.output<typeof CredentialsSchema>;

export const manifest = defineManifest({
  id: 'salesforce',
  name: 'Salesforce',
  description: 'Text customers from the CRM: SMS on Salesforce events (a task assigned, an order\'s status, a payment due, a contact changed); every SMS and reply logged in Salesforce as a completed Task with its delivery status; opt-outs kept in step both ways.',
  auth: 'oauth2',
  oauth: {
    // Production's; a sandbox or My Domain install moves them to its own server (install.ts: authorizationServer).
    authorizeUrl: `${LOGIN_SERVERS.production}/services/oauth2/authorize`,
    tokenUrl: `${LOGIN_SERVERS.production}/services/oauth2/token`,
    revokeUrl: `${LOGIN_SERVERS.production}/services/oauth2/revoke`,
    scopes: SALESFORCE_SCOPES,
    // Salesforce authenticates the client by client_id and client_secret in the form, not HTTP Basic.
    clientAuth: 'body',
    clientSetupDocs: 'docs/connectors/salesforce.md#the-salesforce-app',
  },
  installInput: InstallInputSchema,
  settings: SettingsSchema,
  credentials: CredentialsSchema,
  emits: ['order.created', 'order.status_changed', ...salesforceEvents.map((entry) => entry.type)],
  eventTypes: salesforceEvents,
  readyRules: false,
  docs: 'docs/connectors/salesforce.md',
});
