/**
 * Order status SMS: a transactional SMS when an order reaches a status: shipped (with the parcel's
 * tracking link when the shop knows it), ready for pickup, and any other status the tenant gives a
 * text. It is also what the connectors' former "order status SMS" ready rule became (installing a
 * shop suggests it). One run per order, which ends once its SMS is sent.
 */
import { z } from 'zod';
import { OrderStatusSchema } from '../../bus/catalog/commerce.ts';
import { defineTemplate, fillParams, TextParam } from './template.ts';

export const DEFAULT_ORDER_STATUS_TEXTS = {
  shipped: '{{ contact.firstName | default: "Bonjour" }}, bonne nouvelle : votre commande est expédiée !',
  ready_for_pickup: '{{ contact.firstName | default: "Bonjour" }}, votre commande vous attend en boutique : vous pouvez venir la retirer.',
};

const DEFAULT_TRACKING_TEXT = '{{ contact.firstName | default: "Bonjour" }}, bonne nouvelle : votre commande est expédiée ! Suivez-la ici : {{ event.data.tracking.0.url }}';

export const orderStatusTemplate = defineTemplate({
  id: 'order-status',
  name: 'Commande expédiée / prête à retirer',
  description: 'Un SMS transactionnel quand une commande change de statut : expédiée (avec le lien de suivi), prête à retirer en boutique, ou tout autre statut auquel vous donnez un texte.',
  needs: {
    events: ['order.status_changed'],
    data: [
      { field: 'order.status_changed data.status', why: 'the hub status the shop status maps to (shipped, ready_for_pickup…)' },
      { field: 'order.status_changed data.tracking', why: 'the tracking link, when the shop records it' },
    ],
  },
  parameters: z
    .object({
      event: z.enum(['order.status_changed', 'order.created']).default('order.status_changed').describe('order.created: the status the order is created with (e.g. "processing": order confirmed).'),
      texts: z
        .partialRecord(OrderStatusSchema, TextParam('', 'The SMS for this status').unwrap())
        .default(DEFAULT_ORDER_STATUS_TEXTS)
        .refine((texts) => Object.keys(texts).length > 0, { error: 'give at least one status and its text, e.g. {"shipped": "Votre commande est partie !"}' })
        .describe('One text per hub status; a status without a text sends nothing.'),
      trackingText: TextParam(DEFAULT_TRACKING_TEXT, 'The "shipped" SMS when the shop recorded a tracking link (otherwise texts.shipped goes)'),
    })
    .strict(),
  build(params) {
    const statuses = OrderStatusSchema.options.filter((status) => params.texts[status] !== undefined);
    const tracked = { kind: 'field' as const, field: 'event.data.tracking.0.url', op: 'exists' as const };
    const sms = (id: string, text: string) => ({ id, type: 'action' as const, action: { kind: 'sendSms' as const, category: 'transactional' as const, text: fillParams(text, params) } });
    const steps = statuses.flatMap((status, index) => {
      const next = index + 1 < statuses.length ? { no: `si-${statuses[index + 1]}` } : {};
      const branch = { id: `si-${status}`, type: 'condition' as const, if: { kind: 'field' as const, field: 'event.data.status', op: 'eq' as const, value: status }, yes: `sms-${status}`, ...next };
      if (status !== 'shipped') return [branch, sms(`sms-${status}`, params.texts[status]!)];
      // Shipped: the tracking link when the shop recorded one.
      return [
        { ...branch, yes: 'si-suivi' },
        { id: 'si-suivi', type: 'condition' as const, if: tracked, yes: 'sms-shipped-suivi', no: 'sms-shipped' },
        sms('sms-shipped-suivi', params.trackingText),
        sms('sms-shipped', params.texts.shipped!),
      ];
    });
    return {
      name: params.event === 'order.created' ? 'Confirmation de commande' : 'Statut de commande',
      description: `SMS au statut ${statuses.join(', ')} (${params.event}).`,
      definition: {
        trigger: { kind: 'event', event: params.event, filter: { kind: 'field', field: 'event.data.status', op: 'in', value: statuses } },
        entry: { per: 'contactAndKey', key: 'event.data.orderId', reentry: true },
        steps,
      },
    };
  },
});
