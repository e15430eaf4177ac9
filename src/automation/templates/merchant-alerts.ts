/**
 * The merchant's alerts, once the shops' ready rules: an SMS to the merchant's mobile for each new
 * order (once it is placed: paid, on hold…, as WooCommerce's own new-order email) and for each
 * product that runs low or out of stock. Scenarios like the rest, so one engine sends every SMS. Their
 * runs are for the merchant (`trigger.runFor`, found or created as a contact), never the customer:
 * the alert is filed in the merchant's history, not in the buyer's.
 */
import { z } from 'zod';
import { normalizePhone } from '../../contacts/phone.ts';
import { defineTemplate, TextParam } from './template.ts';

/** The merchant's mobile, normalized to E.164 (national numbers in the default region). */
export const MerchantPhone = z
  .string()
  .trim()
  .max(64)
  .transform((phone, ctx) => {
    const result = normalizePhone(phone);
    if (result.ok) return result.e164;
    ctx.addIssue({ code: 'custom', message: `${result.message}; give the merchant's mobile in international form, e.g. +33612345678` });
    return z.NEVER;
  })
  .describe('The merchant\'s mobile, e.g. +33612345678.');

export const DEFAULT_NEW_ORDER_TEXT = 'Nouvelle commande {{ event.data.number }} : {{ event.data.total.amount }} {{ event.data.total.currency }}.';
export const DEFAULT_LOW_STOCK_TEXT = 'Stock bas : {{ event.data.name }} ({{ event.data.stockQuantity | default: "?" }} restant).';
export const DEFAULT_OUT_OF_STOCK_TEXT = 'Rupture de stock : {{ event.data.name }}.';

/** Statuses at which an order counts as placed, and those it was not placed yet in (as the former rule). */
const PLACED = ['processing', 'on_hold', 'shipped', 'delivered', 'completed'];
const NOT_YET_PLACED = ['pending', 'failed'];

export const merchantNewOrderTemplate = defineTemplate({
  id: 'merchant-new-order',
  name: 'Alerte commerçant : nouvelle commande',
  description: 'Un SMS au commerçant pour chaque nouvelle commande, une fois passée (payée, en attente de virement…), une seule fois par commande.',
  needs: {
    events: ['order.created', 'order.status_changed'],
    data: [
      { field: 'order.* data.status, data.previousStatus', why: 'when the order counts as placed' },
      { field: 'order.* data.number, data.total', why: 'what the alert says' },
    ],
  },
  parameters: z
    .object({
      phone: MerchantPhone,
      text: TextParam(DEFAULT_NEW_ORDER_TEXT, 'The alert'),
    })
    .strict(),
  build(params) {
    return {
      name: 'Alerte nouvelle commande',
      description: `Un SMS au ${params.phone} pour chaque commande passée.`,
      definition: {
        trigger: {
          kind: 'event',
          event: 'order.created',
          also: ['order.status_changed'],
          runFor: { phone: params.phone },
          // Placed now, and not before: a new order, or a change from unpaid (pending, failed, or unknown) to placed.
          filter: {
            kind: 'all',
            of: [
              { kind: 'field', field: 'event.data.status', op: 'in', value: PLACED },
              {
                kind: 'any',
                of: [
                  { kind: 'field', field: 'event.type', op: 'eq', value: 'order.created' },
                  { kind: 'field', field: 'event.data.previousStatus', op: 'in', value: NOT_YET_PLACED },
                  { kind: 'field', field: 'event.data.previousStatus', op: 'notExists' },
                ],
              },
            ],
          },
        },
        // One alert per order, whichever event says it is placed.
        entry: { per: 'contactAndKey', key: 'event.data.orderId', reentry: false },
        steps: [{ id: 'sms-alerte', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: params.text } }],
      },
    };
  },
});

export const merchantStockTemplate = defineTemplate({
  id: 'merchant-stock',
  name: 'Alerte commerçant : stock bas et rupture',
  description: 'Un SMS au commerçant quand un produit passe sous son seuil de stock, et quand il est en rupture.',
  needs: {
    events: ['product.stock_low', 'product.out_of_stock'],
    data: [{ field: 'product.* data.name, data.stockQuantity', why: 'what the alert says' }],
  },
  parameters: z
    .object({
      phone: MerchantPhone,
      lowStockText: TextParam(DEFAULT_LOW_STOCK_TEXT, 'The low-stock alert'),
      outOfStockText: TextParam(DEFAULT_OUT_OF_STOCK_TEXT, 'The out-of-stock alert'),
    })
    .strict(),
  build(params) {
    const sms = (id: string, text: string) => ({ id, type: 'action' as const, action: { kind: 'sendSms' as const, category: 'transactional' as const, text } });
    return {
      name: 'Alerte stock',
      description: `Un SMS au ${params.phone} quand un produit passe en stock bas ou en rupture.`,
      definition: {
        trigger: { kind: 'event', event: 'product.stock_low', also: ['product.out_of_stock'], runFor: { phone: params.phone } },
        // Each stock event its own alert, even two arriving together.
        entry: { per: 'contactAndKey', key: 'event.id', reentry: false },
        steps: [
          { id: 'stock-bas', type: 'condition', if: { kind: 'field', field: 'event.type', op: 'eq', value: 'product.stock_low' }, yes: 'sms-stock-bas', no: 'sms-rupture' },
          { ...sms('sms-stock-bas', params.lowStockText), next: 'fin' },
          { ...sms('sms-rupture', params.outOfStockText), next: 'fin' },
          { id: 'fin', type: 'exit' },
        ],
      },
    };
  },
});
