/**
 * What the hub does in Salesforce, each action also a scenario step (`salesforce.create-task`, …): create a Task on a
 * record (a call-back for the sales rep after a reply), update a field (a checkbox, a status) of a record, and log an
 * SMS as a completed Task, once per message.
 */
import { z } from 'zod';
import { defineAction } from '../../src/connectors/action.ts';
import type { ActionContext } from '../../src/connectors/connector.ts';
import { salesforceApi } from './client.ts';
import { API_NAME, isPersonId, SALESFORCE_ID } from './ids.ts';
import type { Credentials, Settings } from './manifest.ts';
import { logSmsTask } from './sms-log.ts';

type Context = ActionContext<Settings, Credentials>;

export const RecordIdSchema = z.string().trim().regex(SALESFORCE_ID, 'expected a Salesforce record id (15 or 18 characters)');
export const ApiNameSchema = z.string().trim().regex(API_NAME, 'expected an API name such as Contact or SMS_Opt_Out__c');

const createTask = defineAction({
  id: 'create-task',
  title: 'Create a Task',
  description: 'Creates a Task in Salesforce, on a contact or lead (WhoId) and/or a record (WhatId): a call-back for the sales rep, a follow-up after a reply.',
  input: z
    .object({
      subject: z.string().trim().min(1).max(255).describe('The Task\'s subject, e.g. "Rappeler {{ contact.firstName }}".'),
      description: z.string().max(32_000).optional().describe('Its comments.'),
      whoId: RecordIdSchema.optional().describe('The contact or lead (003… / 00Q…): "{{ event.data.record.id }}".'),
      whatId: RecordIdSchema.optional().describe('The account, opportunity, order or case it is about.'),
      ownerId: RecordIdSchema.optional().describe('The user it is assigned to (default: the user the hub signed in as).'),
      activityDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').optional().describe('Due date, YYYY-MM-DD.'),
      status: z.string().trim().min(1).max(40).default('Not Started').describe('A Task status of the org (Not Started, Completed…).'),
      priority: z.enum(['High', 'Normal', 'Low']).default('Normal'),
    })
    .strict(),
  async run(input, ctx: Context) {
    const created = await salesforceApi(ctx.auth, ctx.network).create('Task', {
      Subject: input.subject,
      Status: input.status,
      Priority: input.priority,
      ...(input.description === undefined ? {} : { Description: input.description }),
      ...(input.whoId === undefined ? {} : { WhoId: input.whoId }),
      ...(input.whatId === undefined ? {} : { WhatId: input.whatId }),
      ...(input.ownerId === undefined ? {} : { OwnerId: input.ownerId }),
      ...(input.activityDate === undefined ? {} : { ActivityDate: input.activityDate }),
    });
    return { taskId: created.id };
  },
});

const updateField = defineAction({
  id: 'update-field',
  title: 'Update a field of a record',
  description: 'Sets one field of a Salesforce record (a checkbox, a picklist, a date): e.g. mark a lead contacted by SMS.',
  input: z
    .object({
      sobject: ApiNameSchema.describe('The object: Contact, Lead, Opportunity, Invoice__c…'),
      recordId: RecordIdSchema.describe('The record: "{{ event.data.record.id }}".'),
      field: ApiNameSchema.describe('The field\'s API name, e.g. SMS_Opt_Out__c.'),
      value: z.union([z.string().max(32_000), z.number(), z.boolean(), z.null()]).describe('Its new value (null clears it).'),
    })
    .strict(),
  async run(input, ctx: Context) {
    await salesforceApi(ctx.auth, ctx.network).update(input.sobject, input.recordId, { [input.field]: input.value });
    return { sobject: input.sobject, recordId: input.recordId, field: input.field };
  },
});

const logSms = defineAction({
  id: 'log-sms',
  title: 'Log an SMS',
  description: 'Logs an SMS sent to, or received from, a contact or lead as a completed Task ("SMS envoyé" / "SMS reçu") with the text, once per message: run again (a retried step), it finds the Task it created.',
  input: z
    .object({
      direction: z.enum(['sent', 'received']).describe('"sent": an SMS to the person; "received": their reply.'),
      messageId: z.string().trim().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'expected the hub\'s message id').describe('The hub\'s message id: "{{ event.data.messageId }}".'),
      text: z.string().min(1).max(30_000).describe('The SMS text.'),
      whoId: RecordIdSchema.refine(isPersonId, 'expected a contact (003…) or a lead (00Q…)').describe('The contact or lead.'),
      whatId: RecordIdSchema.optional().describe('The record it is about (an order, an opportunity), when the SMS came from one.'),
      at: z.iso.datetime({ offset: true }).optional().describe('When it was sent or received; default now.'),
    })
    .strict(),
  async run(input, ctx: Context) {
    return logSmsTask(salesforceApi(ctx.auth, ctx.network), { ...input, at: input.at === undefined ? new Date() : new Date(input.at) });
  },
});

export const actions = [createTask, updateField, logSms];
