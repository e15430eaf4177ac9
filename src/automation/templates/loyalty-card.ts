/**
 * The loyalty card, as two scenarios: `loyalty-card` welcomes the customer on enrolment and, without
 * a purchase within two months, sends a relance; `loyalty-points` sends the points balance after each
 * purchase. Two because a message can read only the event that started its run: the balance is in
 * each `loyalty.points_changed`, not in the enrolment.
 */
import { z } from 'zod';
import { CouponParam, DelayParam, defineTemplate, fillParams, TextParam, unsubscribedExit } from './template.ts';

export const loyaltyCardTemplate = defineTemplate({
  id: 'loyalty-card',
  name: 'Carte de fidélité : bienvenue et relance',
  description: 'À l\'inscription au programme de fidélité, un SMS de bienvenue. Sans achat dans les deux mois, une relance avec une offre.',
  needs: {
    events: ['loyalty.enrolled', 'order.created'],
    data: [{ field: 'loyalty.enrolled data.points', why: 'the welcome points in the welcome SMS' }],
  },
  parameters: z
    .object({
      inactivity: DelayParam('60d', 'Without an order for this long after enrolment, the relance goes'),
      couponCode: CouponParam('FIDELE10', 'The code in the relance'),
      welcomeText: TextParam(
        'Bienvenue dans notre programme fidélité {{ contact.firstName | default: "" }} ! Vous avez déjà {{ event.data.points }} points, cumulez-en à chaque achat.',
        'The welcome SMS',
      ),
      relanceText: TextParam(
        '{{ contact.firstName | default: "Bonjour" }}, vos points fidélité vous attendent ! -10% sur votre prochain achat avec le code {{ params.couponCode }}.',
        'The relance without a purchase',
      ),
    })
    .strict(),
  build(params) {
    return {
      name: 'Carte de fidélité',
      description: `Bienvenue à l'inscription, relance avec ${params.couponCode} sans achat en ${params.inactivity}.`,
      definition: {
        trigger: { kind: 'event', event: 'loyalty.enrolled' },
        entry: { per: 'contact', reentry: false },
        exitEvents: [unsubscribedExit],
        steps: [
          // Confirms what the customer just asked for: transactional, sent without marketing consent.
          { id: 'sms-bienvenue', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: fillParams(params.welcomeText, params) }, next: 'attendre-achat' },
          { id: 'attendre-achat', type: 'waitFor', event: 'order.created', timeout: params.inactivity, happened: 'fin', timedOut: 'sms-relance' },
          { id: 'sms-relance', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: fillParams(params.relanceText, params) }, next: 'fin' },
          { id: 'fin', type: 'exit' },
        ],
      },
    };
  },
});

export const loyaltyPointsTemplate = defineTemplate({
  id: 'loyalty-points',
  name: 'Carte de fidélité : solde de points après un achat',
  description: 'Après chaque achat qui rapporte des points, le nouveau solde par SMS.',
  needs: {
    events: ['loyalty.points_changed'],
    data: [{ field: 'loyalty.points_changed data.points, data.change, data.reason', why: 'the balance, the points earned, and that they come from a purchase' }],
  },
  parameters: z
    .object({
      text: TextParam('Merci pour votre achat {{ contact.firstName | default: "" }} ! +{{ event.data.change }} points : votre solde fidélité est de {{ event.data.points }} points.', 'The balance SMS'),
    })
    .strict(),
  build(params) {
    return {
      name: 'Solde de points fidélité',
      description: 'Le solde de points après chaque achat.',
      definition: {
        trigger: {
          kind: 'event',
          event: 'loyalty.points_changed',
          filter: { kind: 'all', of: [{ kind: 'field', field: 'event.data.reason', op: 'eq', value: 'purchase' }, { kind: 'field', field: 'event.data.change', op: 'gt', value: 0 }] },
        },
        entry: { per: 'contact', reentry: true },
        steps: [{ id: 'sms-solde', type: 'action', action: { kind: 'sendSms', category: 'transactional', text: fillParams(params.text, params) } }],
      },
    };
  },
});
