/**
 * Satisfaction survey after delivery: a day after the order is delivered, one question, "Répondez
 * de 1 à 5", answered by SMS reply. 1 or 2: the merchant is alerted by SMS and the customer gets an
 * apology offer; 4 or 5: a request for a review; 3, or no answer within the window: nothing more.
 * One run per order.
 */
import { z } from 'zod';
import type { ScenarioDefinitionInput } from '../scenario.ts';
import { CouponParam, DelayParam, defineTemplate, fillParams, PhoneParam, TextParam, unsubscribedExit } from './template.ts';

const score = (values: string[]) => ({ kind: 'field', field: 'lastEvent.data.text', op: 'in', value: values }) as const;

export const satisfactionSurveyTemplate = defineTemplate({
  id: 'satisfaction-survey',
  name: 'Enquête de satisfaction après livraison',
  description:
    'Le lendemain de la livraison, "Répondez de 1 à 5" par SMS. 1 ou 2 : une alerte SMS au commerçant et une offre d\'excuse au client ; 4 ou 5 : une demande d\'avis.',
  needs: {
    events: ['order.status_changed', 'sms.received'],
    data: [
      { field: 'order.status_changed data.status', why: '"delivered": when the question goes' },
      { field: 'sms.received data.text', why: 'the reply, a digit from 1 to 5' },
    ],
  },
  parameters: z
    .object({
      after: DelayParam('1d', 'How long after delivery the question goes'),
      answerWindow: DelayParam('3d', 'How long an answer is waited for'),
      reviewUrl: z.url({ protocol: /^https?$/, error: 'the page where customers leave a review, e.g. https://g.page/r/…/review' }).max(200).describe('Where satisfied customers leave a review.'),
      merchantPhone: PhoneParam('The merchant\'s mobile for the alert on a 1 or 2 (no alert without it), e.g. +33612345678.'),
      apologyCode: CouponParam('DESOLE15', 'The code offered after a 1 or 2'),
      questionText: TextParam('{{ contact.firstName | default: "Bonjour" }}, votre commande est bien arrivée ? Répondez de 1 (pas satisfait) à 5 (ravi) à ce SMS pour nous donner votre avis.', 'The question'),
      alertText: TextParam(
        'Avis client 1 ou 2/5 : {{ contact.firstName | default: "" }} {{ contact.lastName | default: "" }} {{ contact.phone | default: "" }}, commande {{ event.data.orderId }}. A rappeler.',
        'The alert to the merchant',
      ),
      apologyText: TextParam(
        '{{ contact.firstName | default: "Bonjour" }}, nous sommes désolés. Pour nous faire pardonner : -15% avec le code {{ params.apologyCode }}. Nous revenons vers vous.',
        'The apology offer after a 1 or 2',
      ),
      reviewText: TextParam('Merci {{ contact.firstName | default: "" }} ! Votre avis sur {{ params.reviewUrl }} aiderait beaucoup notre boutique.', 'The review request after a 4 or 5'),
    })
    .strict(),
  build(params) {
    const sms = (text: string, category: 'marketing' | 'transactional', to?: string) => ({ kind: 'sendSms' as const, category, text: fillParams(text, params), ...(to === undefined ? {} : { to }) });
    const steps: ScenarioDefinitionInput['steps'] = [
      { id: 'attendre', type: 'wait', wait: { kind: 'duration', duration: params.after }, next: 'sms-question' },
      // About an order the customer received: transactional, no marketing consent needed.
      { id: 'sms-question', type: 'action', action: sms(params.questionText, 'transactional'), next: 'attendre-reponse' },
      {
        id: 'attendre-reponse',
        type: 'waitFor',
        event: 'sms.received',
        // Only a digit from 1 to 5 is an answer ("5", " 4 "): other replies leave the question open.
        match: { by: 'contact', where: score(['1', '2', '3', '4', '5']) },
        timeout: params.answerWindow,
        happened: 'note-basse',
        timedOut: 'fin',
      },
      { id: 'note-basse', type: 'condition', if: score(['1', '2']), yes: params.merchantPhone === undefined ? 'sms-excuses' : 'alerte-commercant', no: 'note-haute' },
      ...(params.merchantPhone === undefined ? [] : [{ id: 'alerte-commercant', type: 'action' as const, action: sms(params.alertText, 'transactional', params.merchantPhone), next: 'sms-excuses' }]),
      { id: 'sms-excuses', type: 'action', action: sms(params.apologyText, 'marketing'), next: 'fin' },
      { id: 'note-haute', type: 'condition', if: score(['4', '5']), yes: 'sms-avis', no: 'fin' },
      { id: 'sms-avis', type: 'action', action: sms(params.reviewText, 'transactional'), next: 'fin' },
      { id: 'fin', type: 'exit' },
    ];
    return {
      name: 'Enquête de satisfaction',
      description: `Question ${params.after} après la livraison, réponse attendue ${params.answerWindow}; 1-2 : ${params.merchantPhone === undefined ? '' : 'alerte au commerçant et '}offre ${params.apologyCode}; 4-5 : demande d'avis.`,
      definition: {
        trigger: { kind: 'event', event: 'order.status_changed', filter: { kind: 'field', field: 'event.data.status', op: 'eq', value: 'delivered' } },
        entry: { per: 'contactAndKey', key: 'event.data.orderId', reentry: false },
        exitEvents: [unsubscribedExit],
        steps,
      },
    };
  },
});
