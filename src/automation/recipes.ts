/**
 * The three example scenarios of docs/automation.md (*The three recipes*), as the JSON a marketer
 * posts to /v1/scenarios. Nothing installs them in a tenant: they are the documented examples, and
 * the tests validate, simulate and run them end to end. Durations are parameters so the end-to-end
 * tests can run them in seconds; the defaults are the real ones.
 */
import type { ScenarioDefinitionInput } from './scenario.ts';

/** Every year on the contact's birthday at 10:00 their time: an SMS with a coupon. */
export function birthdayRecipe(): ScenarioDefinitionInput {
  return {
    trigger: { kind: 'date', field: 'contact.attributes.birthday', at: '10:00' },
    entry: { per: 'contact', reentry: true },
    exitEvents: [{ event: 'contact.unsubscribed' }],
    steps: [
      {
        id: 'sms-anniversaire',
        type: 'action',
        action: {
          kind: 'sendSms',
          category: 'marketing',
          text: 'Joyeux anniversaire {{ contact.firstName | default: "" }} ! -20% sur tout le site avec le code ANNIV{{ event.data.year }}, valable 7 jours.',
        },
        next: 'fin',
      },
      { id: 'fin', type: 'exit' },
    ],
  };
}

/**
 * After a purchase: J+7 an SMS, then up to 7 days for a new order; without one, the SMS again, at
 * most twice more. A new order ends the run at once (and starts the next one: re-entry).
 */
export function loyaltyRecipe(durations: { firstWait?: string; orderWindow?: string } = {}): ScenarioDefinitionInput {
  return {
    trigger: { kind: 'event', event: 'order.created' },
    entry: { per: 'contact', reentry: true },
    exitEvents: [{ event: 'order.created' }, { event: 'contact.unsubscribed' }],
    steps: [
      { id: 'attendre-j7', type: 'wait', wait: { kind: 'duration', duration: durations.firstWait ?? '7d' }, next: 'sms-relance' },
      {
        id: 'sms-relance',
        type: 'action',
        action: { kind: 'sendSms', category: 'marketing', text: '{{ contact.firstName | default: "Bonjour" }}, vos produits préférés vous attendent : -10% avec le code MERCI10 cette semaine.' },
        next: 'attendre-commande',
      },
      { id: 'attendre-commande', type: 'waitFor', event: 'order.created', timeout: durations.orderWindow ?? '7d', happened: 'fin', timedOut: 'relancer' },
      { id: 'relancer', type: 'goto', target: 'sms-relance', maxRotations: 2, then: 'fin' },
      { id: 'fin', type: 'exit' },
    ],
  };
}

/** A cart abandoned: an SMS with its recovery link, then 24 h for an order; without one, a reminder. */
export function abandonedCartRecipe(durations: { orderWindow?: string } = {}): ScenarioDefinitionInput {
  return {
    trigger: { kind: 'event', event: 'cart.abandoned' },
    entry: { per: 'contactAndKey', key: 'event.data.cartId', reentry: false },
    exitEvents: [{ event: 'order.created' }, { event: 'contact.unsubscribed' }],
    steps: [
      {
        id: 'sms-panier',
        type: 'action',
        action: { kind: 'sendSms', category: 'marketing', text: '{{ contact.firstName | default: "Bonjour" }}, votre panier vous attend : {{ event.data.recoveryUrl }}' },
        next: 'attendre-commande',
      },
      { id: 'attendre-commande', type: 'waitFor', event: 'order.created', timeout: durations.orderWindow ?? '24h', happened: 'fin', timedOut: 'sms-rappel' },
      {
        id: 'sms-rappel',
        type: 'action',
        action: { kind: 'sendSms', category: 'marketing', text: 'Dernier rappel : votre panier est gardé encore aujourd\'hui. {{ event.data.recoveryUrl }}' },
        next: 'fin',
      },
      { id: 'fin', type: 'exit' },
    ],
  };
}
