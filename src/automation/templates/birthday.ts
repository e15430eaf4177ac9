/**
 * The seeds' birthday loop: a coupon on the birthday at 10:00 (the contact's time zone); without a
 * use of the coupon within a week, one relance; the day after it is used, thanks and a referral
 * offer. The coupon's use is the `coupon.used` event (a shop connector or POST /v1/events).
 */
import { z } from 'zod';
import { codeVariants, CouponParam, DelayParam, defineTemplate, fillParams, LocalTimeParam, TextParam, unsubscribedExit } from './template.ts';

export const birthdayTemplate = defineTemplate({
  id: 'birthday',
  name: 'Anniversaire : coupon, relance, merci et parrainage',
  description:
    'Le jour de l\'anniversaire à 10:00 (heure du client), un SMS avec un code promo. Sans utilisation du code après 7 jours, une relance. ' +
    'Le lendemain de son utilisation, un remerciement avec une offre de parrainage.',
  needs: {
    events: ['coupon.used'],
    data: [
      { field: 'contact.attributes.birthday', why: 'the birthday, "1990-07-14" or "07-14"' },
      { field: 'coupon.used data.code', why: 'which coupon was used' },
    ],
  },
  parameters: z
    .object({
      at: LocalTimeParam('10:00', 'Local time of the birthday SMS, in the contact\'s time zone.'),
      couponCode: CouponParam('ANNIV20', 'The birthday coupon code'),
      relanceAfter: DelayParam('7d', 'How long after the birthday SMS the relance goes if the coupon is unused'),
      lastChance: DelayParam('7d', 'After the relance, how long a use of the coupon still earns the thanks'),
      referralCode: CouponParam('PARRAIN10', 'The referral code offered in the thanks'),
      couponText: TextParam('Joyeux anniversaire {{ contact.firstName | default: "" }} ! -20% sur tout le site avec le code {{ params.couponCode }}, valable 14 jours.', 'The birthday SMS'),
      relanceText: TextParam(
        '{{ contact.firstName | default: "Bonjour" }}, votre cadeau d\'anniversaire vous attend : -20% avec le code {{ params.couponCode }}, encore 7 jours.',
        'The relance when the coupon is unused',
      ),
      thanksText: TextParam(
        'Merci {{ contact.firstName | default: "" }} ! Parrainez une amie : avec le code {{ params.referralCode }}, elle a -10% et vous aussi.',
        'The thanks the day after the coupon is used',
      ),
    })
    .strict(),
  build(params) {
    const used = { by: 'contact', where: { kind: 'field', field: 'lastEvent.data.code', op: 'in', value: codeVariants(params.couponCode) } } as const;
    return {
      name: 'Anniversaire',
      description: `Coupon ${params.couponCode} le jour de l'anniversaire à ${params.at}, relance à J+${params.relanceAfter}, merci et parrainage (${params.referralCode}) le lendemain de l'utilisation.`,
      definition: {
        trigger: { kind: 'date', field: 'contact.attributes.birthday', at: params.at },
        entry: { per: 'contact', reentry: true },
        exitEvents: [unsubscribedExit],
        steps: [
          { id: 'sms-anniversaire', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: fillParams(params.couponText, params) }, next: 'attendre-coupon' },
          { id: 'attendre-coupon', type: 'waitFor', event: 'coupon.used', match: used, timeout: params.relanceAfter, happened: 'lendemain', timedOut: 'sms-relance' },
          { id: 'sms-relance', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: fillParams(params.relanceText, params) }, next: 'derniere-chance' },
          { id: 'derniere-chance', type: 'waitFor', event: 'coupon.used', match: used, timeout: params.lastChance, happened: 'lendemain', timedOut: 'fin' },
          // The day after the use, at the birthday SMS's hour: thanks land on a day of their own, not minutes after the till.
          { id: 'lendemain', type: 'wait', wait: { kind: 'untilDate', field: 'lastEvent.occurredAt', offset: '+1d', at: params.at }, next: 'sms-merci' },
          { id: 'sms-merci', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: fillParams(params.thanksText, params) }, next: 'fin' },
          { id: 'fin', type: 'exit' },
        ],
      },
    };
  },
});
