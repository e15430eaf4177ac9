/**
 * The connector's ready-to-use scenario: billing reminders before and after an invoice's due date.
 *
 * - A run per invoice (`invoice.id`), started by `invoice.due` (an unpaid invoice first seen, or its due date moved).
 *   A new `invoice.due` for the same invoice (the date moved) ends the running run first, and `invoice.paid` ends
 *   it: never a reminder for an old date, none once paid.
 * - `before` the due date at `at` (the contact's time zone), inside the tenant's allowed hours: a reminder; an
 *   invoice seen later than that moment gets it at once.
 * - `after` the due date at `at`, if still unpaid: an overdue reminder; an invoice seen past that moment gets none.
 * Reminders are transactional (the customer's own invoice): no marketing consent needed.
 */
import { z } from 'zod';
import { DelayParam, defineTemplate, fillParams, LocalTimeParam, TextParam } from '../../src/automation/templates/template.ts';
import type { ScenarioDefinitionInput } from '../../src/automation/scenario.ts';

const sameInvoice = { by: 'key', field: 'data.invoice.id', equals: 'event.data.invoice.id' } as const;

export const billingRemindersTemplate = defineTemplate({
  id: 'billing-reminders',
  name: 'Relances de facture (Salesforce)',
  description: 'Un SMS quelques jours avant l\'échéance d\'une facture et un autre après si elle n\'est pas réglée ; recalés quand l\'échéance change, arrêtés quand elle est payée.',
  needs: {
    events: ['invoice.due', 'invoice.paid'],
    data: [
      { field: 'invoice.* data.invoice.id', why: 'one run per invoice; a payment ends its run' },
      { field: 'invoice.due data.invoice.dueDate', why: 'when to remind, and the date in the texts' },
    ],
  },
  parameters: z
    .object({
      before: DelayParam('3d', 'The first reminder, this long before the due date'),
      after: DelayParam('3d', 'The overdue reminder, this long after the due date'),
      at: LocalTimeParam('10:00', 'At this local time of the day'),
      beforeText: TextParam(
        '{{ contact.firstName | default: "Bonjour" }}, votre facture {{ event.data.invoice.number }} de {{ event.data.invoice.amount | default: "" }} {{ event.data.invoice.currency }} arrive à échéance le {{ event.data.invoice.dueDate }}. Merci de votre règlement.',
        'The reminder before the due date',
      ),
      afterText: TextParam(
        '{{ contact.firstName | default: "Bonjour" }}, sauf erreur de notre part, votre facture {{ event.data.invoice.number }} échue le {{ event.data.invoice.dueDate }} reste impayée. Merci de régulariser.',
        'The reminder after the due date',
      ),
    })
    .strict(),
  build(params) {
    const sms = (text: string) => ({ kind: 'sendSms' as const, category: 'transactional' as const, text: fillParams(text, params) });
    const steps: ScenarioDefinitionInput['steps'] = [
      { id: 'avant', type: 'wait', wait: { kind: 'untilDate', field: 'event.data.invoice.dueDate', offset: `-${params.before}`, at: params.at, ifPast: 'continue' }, next: 'heures-permises-avant' },
      { id: 'heures-permises-avant', type: 'wait', wait: { kind: 'window' }, next: 'sms-avant' },
      { id: 'sms-avant', type: 'action', action: sms(params.beforeText), next: 'apres' },
      { id: 'apres', type: 'wait', wait: { kind: 'untilDate', field: 'event.data.invoice.dueDate', offset: `+${params.after}`, at: params.at, ifPast: 'exit' }, next: 'heures-permises-apres' },
      { id: 'heures-permises-apres', type: 'wait', wait: { kind: 'window' }, next: 'sms-apres' },
      { id: 'sms-apres', type: 'action', action: sms(params.afterText), next: 'fin' },
      { id: 'fin', type: 'exit' },
    ];
    return {
      name: 'Relances de facture',
      description: `SMS ${params.before} avant l'échéance et ${params.after} après si impayée, à ${params.at}.`,
      definition: {
        trigger: { kind: 'event', event: 'invoice.due' },
        entry: { per: 'contactAndKey', key: 'event.data.invoice.id', reentry: true },
        exitEvents: [
          { event: 'invoice.due', match: sameInvoice },
          { event: 'invoice.paid', match: sameInvoice },
        ],
        steps,
      },
    };
  },
});
