/**
 * The event types this connector adds to the catalog: a task assigned to a Salesforce user (the "notification de
 * tâche"), and CRM contacts and leads created or changed (the hub's contacts follow them; scenarios and segments see
 * them). Orders use the core `order.created` / `order.status_changed`, so the shops' order SMS template applies.
 */
import { z } from 'zod';
import { defineEventType } from '../../src/bus/catalog/define.ts';

const Org = z.object({ installationId: z.string(), organizationId: z.string() });

const exampleOrg = { installationId: 'ins_1', organizationId: '00D5e000000KQ2eEAG' };

export const TaskSchema = z.object({
  id: z.string(),
  subject: z.string().nullable(),
  status: z.string().nullable(),
  priority: z.string().nullable(),
  activityDate: z.string().nullable().describe('Due date "2026-12-07", as Salesforce writes it.'),
  description: z.string().nullable(),
  whoId: z.string().nullable().describe('The contact or lead the task is about.'),
  whatId: z.string().nullable().describe('The account, opportunity, order or case it is about.'),
});

const Assignee = z.object({ userId: z.string(), name: z.string().nullable(), mobilePhone: z.string().nullable() });

export const CrmRecordSchema = z.object({
  type: z.enum(['Contact', 'Lead']),
  id: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  phone: z.string().nullable(),
  mobilePhone: z.string().nullable(),
  email: z.string().nullable(),
  company: z.string().nullable().describe('Leads: the company; contacts: null.'),
  smsConsent: z.boolean().nullable().describe('The consent field the installation names (settings.smsConsentField); null when not set or not sent.'),
  smsOptOut: z.boolean().nullable().describe('The SMS opt-out checkbox the installation names (settings.smsOptOutField); null when not set or not sent.'),
  emailOptOut: z.boolean().nullable().describe('HasOptedOutOfEmail; null when not sent.'),
});

const exampleRecord = (type: 'Contact' | 'Lead') => ({
  type,
  id: type === 'Contact' ? '0035e00000ZkM3hAAF' : '00Q5e00000ZkM3hEAF',
  firstName: 'Camille',
  lastName: 'Martin',
  phone: null,
  mobilePhone: '+33 6 12 34 56 78',
  email: 'camille.martin@example.fr',
  company: type === 'Lead' ? 'Martin SARL' : null,
  smsConsent: true,
  smsOptOut: false,
  emailOptOut: false,
});

export const InvoiceSchema = z.object({
  id: z.string(),
  sobject: z.string().describe('The object settings.invoices names: Opportunity, Invoice__c…'),
  number: z.string().describe('What the SMS calls it (settings.invoices.numberField; the id when empty).'),
  dueDate: z.string().describe('The due date, "2026-12-15".'),
  amount: z.number().nullable(),
  currency: z.string(),
});

const exampleInvoice = { id: 'a015e00000Inv01AAA', sobject: 'Invoice__c', number: 'F-2026-0412', dueDate: '2026-12-15', amount: 480, currency: 'EUR' };

export const salesforceEvents = [
  defineEventType({
    type: 'task.assigned',
    title: 'Task assigned',
    description: 'A Salesforce task was assigned to a user (created for them, or handed over): the run\'s contact is the assignee, texted at their mobile phone.',
    data: z.object({ task: TaskSchema, assignee: Assignee, org: Org }),
    example: {
      task: { id: '00T5e00000AbCdEEAV', subject: 'Rappeler Mme Dupont', status: 'Not Started', priority: 'High', activityDate: '2026-12-07', description: null, whoId: '0035e00000ZkM3hAAF', whatId: null },
      assignee: { userId: '0055e000003TdXyAAK', name: 'Julie Bernard', mobilePhone: '+33 6 98 76 54 32' },
      org: exampleOrg,
    },
  }),
  ...(['due', 'paid'] as const).map((state) =>
    defineEventType({
      type: `invoice.${state}`,
      title: state === 'due' ? 'Invoice due' : 'Invoice paid',
      description:
        state === 'due'
          ? 'An unpaid invoice has a due date (first seen, or the date moved): billing reminders are scheduled from it. The run\'s contact is the invoice\'s contact.'
          : 'An invoice\'s paid checkbox turned true: its reminders stop.',
      data: z.object({ invoice: InvoiceSchema, org: Org }),
      example: { invoice: exampleInvoice, org: exampleOrg },
    }),
  ),
  ...(['contact', 'lead'] as const).flatMap((kind) =>
    (['created', 'updated'] as const).map((change) =>
      defineEventType({
        type: `crm.${kind}_${change}`,
        title: `${kind === 'contact' ? 'CRM contact' : 'CRM lead'} ${change}`,
        description:
          change === 'created'
            ? `A ${kind} was created in Salesforce; the hub's contact (phone, email, consent) follows it.`
            : `A ${kind}'s phone, email, name, consent or opt-out boxes changed in Salesforce; the hub's contact follows it.`,
        data: z.object({ record: CrmRecordSchema, org: Org }),
        example: { record: exampleRecord(kind === 'contact' ? 'Contact' : 'Lead'), org: exampleOrg },
      }),
    ),
  ),
];
