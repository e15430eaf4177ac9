import { z } from 'zod';
import { defineEventType } from './define.ts';

const Channel = z.enum(['sms', 'email']);

export const messagingEvents = [
  defineEventType({
    type: 'message.submitted',
    title: 'Message submitted',
    description: 'A message left the hub for its provider (SMSC, SMTP server).',
    data: z.object({ messageId: z.string(), channel: Channel, to: z.string(), segments: z.number().int().optional() }),
    example: { messageId: 'k3J9aQ2xZp', channel: 'sms' as const, to: '+33612345678', segments: 1 },
  }),
  defineEventType({
    type: 'message.delivered',
    title: 'Message delivered',
    description: 'The operator or mail server confirmed delivery.',
    data: z.object({ messageId: z.string(), channel: Channel, to: z.string(), deliveredAt: z.string() }),
    example: { messageId: 'k3J9aQ2xZp', channel: 'sms' as const, to: '+33612345678', deliveredAt: '2026-11-23T10:15:02.000Z' },
  }),
  defineEventType({
    type: 'message.failed',
    title: 'Message failed',
    description: 'A message was not delivered: rejected, undeliverable, expired or blocked by compliance.',
    data: z.object({ messageId: z.string(), channel: Channel, to: z.string(), status: z.string(), reason: z.string() }),
    example: { messageId: 'k3J9aQ2xZp', channel: 'sms' as const, to: '+33612345678', status: 'undelivered', reason: 'Absent subscriber (err:001)' },
  }),
  defineEventType({
    type: 'link.clicked',
    title: 'Link clicked',
    description: 'A recipient opened a tracked link ({{ link "…" }}) of a message; `campaignId` or `scenarioId` names what sent it. One event per click.',
    data: z.object({
      messageId: z.string(),
      channel: Channel,
      url: z.string(),
      code: z.string(),
      clicks: z.number().int().describe('How many times this recipient opened this link, this click included.'),
      origin: z.string().optional(),
      campaignId: z.string().optional(),
      scenarioId: z.string().optional(),
    }),
    example: { messageId: 'k3J9aQ2xZp', channel: 'sms' as const, url: 'https://boutique.example/soldes', code: 'Ab3dE6gH', clicks: 1, origin: 'campaign:cmp_8fT2', campaignId: 'cmp_8fT2' },
  }),
  defineEventType({
    type: 'sms.received',
    title: 'SMS received',
    description: 'A contact replied to an SMS or wrote to the tenant\'s number (MO).',
    data: z.object({
      from: z.string(),
      to: z.string(),
      text: z.string(),
      inReplyToMessageId: z.string().optional(),
      messageId: z.string().optional().describe('The received message\'s id in the hub (mo_…); absent on events published before it was added.'),
    }),
    example: { from: '+33612345678', to: '36173', text: 'Oui, je confirme mon rendez-vous', messageId: 'mo_4fQ9mZ0bW1nV4xR7tK3p' },
  }),
  defineEventType({
    type: 'contact.unsubscribed',
    title: 'Contact unsubscribed',
    description: 'A contact opted out of a channel (STOP reply, one-click email unsubscribe, CRM, API).',
    data: z.object({ channel: Channel, address: z.string(), via: z.string() }),
    example: { channel: 'sms' as const, address: '+33612345678', via: 'sms-keyword:STOP' },
  }),
];
