import { z } from 'zod';
import { defineEventType } from './define.ts';

export const contactEvents = [
  defineEventType({
    type: 'contact.created',
    title: 'Contact created',
    description: 'A new contact entered the hub (from a connector, the API or an import).',
    data: z.object({ contactId: z.string(), phone: z.string().nullable(), email: z.string().nullable(), firstName: z.string().nullable(), lastName: z.string().nullable() }),
    example: { contactId: 'con_8Qy2mZ0bW1nV4xR7tK3p', phone: '+33612345678', email: 'camille.martin@example.fr', firstName: 'Camille', lastName: 'Martin' },
  }),
  defineEventType({
    type: 'form.submitted',
    title: 'Form submitted',
    description: 'A visitor submitted a form (landing page, mobile site, lead ad).',
    data: z.object({ formId: z.string(), fields: z.record(z.string(), z.string()) }),
    example: { formId: 'jeu-concours-noel', fields: { prenom: 'Camille', telephone: '+33612345678' } },
  }),
  ...(['entered', 'exited'] as const).map((change) =>
    defineEventType({
      type: `segment.${change}`,
      title: change === 'entered' ? 'Segment entered' : 'Segment exited',
      description: change === 'entered' ? 'A contact started matching a segment (found by the segment\'s refresh).' : 'A contact stopped matching a segment.',
      data: z.object({ segmentId: z.string(), segmentName: z.string(), contactId: z.string() }),
      example: { segmentId: 'seg_4fQ9mZ0bW1nV4xR7tK3p', segmentName: 'Clients fidèles', contactId: 'con_8Qy2mZ0bW1nV4xR7tK3p' },
    }),
  ),
];
