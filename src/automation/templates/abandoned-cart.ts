/**
 * Abandoned cart: the hub publishes `cart.abandoned` when a cart saw no order within the tenant's
 * delay (1 hour by default, src/connectors/abandoned-carts.ts), so the first SMS leaves within the
 * hour; a reminder 24 h later; an order at any point ends the run. One run per cart.
 */
import { z } from 'zod';
import { DelayParam, defineTemplate, fillParams, TextParam, unsubscribedExit } from './template.ts';

export const abandonedCartTemplate = defineTemplate({
  id: 'abandoned-cart',
  name: 'Panier abandonné : rappel et relance',
  description: 'Dans l\'heure qui suit l\'abandon, un SMS avec le lien du panier ; sans commande 24 h plus tard, un rappel. Une commande arrête tout.',
  needs: {
    events: ['cart.abandoned', 'order.created'],
    data: [{ field: 'cart.abandoned data.recoveryUrl', why: 'the link that restores the cart' }],
  },
  parameters: z
    .object({
      reminder: z.boolean().default(true).describe('false: the first SMS only, no reminder.'),
      reminderAfter: DelayParam('24h', 'How long after the first SMS the reminder goes without an order'),
      text: TextParam('{{ contact.firstName | default: "Bonjour" }}, votre panier vous attend ! Finalisez votre commande ici : {{ event.data.recoveryUrl }}', 'The first SMS'),
      reminderText: TextParam('Dernier rappel : votre panier est encore disponible aujourd\'hui. {{ event.data.recoveryUrl }}', 'The reminder'),
    })
    .strict(),
  build(params) {
    const first = { id: 'sms-panier', type: 'action' as const, action: { kind: 'sendSms' as const, category: 'marketing' as const, text: fillParams(params.text, params) } };
    return {
      name: 'Panier abandonné',
      description: params.reminder ? `Lien du panier dans l'heure, rappel après ${params.reminderAfter} sans commande.` : 'Lien du panier dans l\'heure.',
      definition: {
        trigger: { kind: 'event', event: 'cart.abandoned' },
        entry: { per: 'contactAndKey', key: 'event.data.cartId', reentry: false },
        exitEvents: [{ event: 'order.created' }, unsubscribedExit],
        steps: params.reminder
          ? [
              { ...first, next: 'attendre-commande' },
              // An order ends the run at any point (exit event): the reminder goes only if none came meanwhile.
              { id: 'attendre-commande', type: 'wait', wait: { kind: 'duration', duration: params.reminderAfter }, next: 'sms-rappel' },
              { id: 'sms-rappel', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: fillParams(params.reminderText, params) }, next: 'fin' },
              { id: 'fin', type: 'exit' },
            ]
          : [first],
      },
    };
  },
});
