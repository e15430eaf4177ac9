/**
 * Satisfaction survey after delivery: a day after the order is delivered, one question, answered by
 * SMS reply ("Répondez de 1 à 5", mode sms) or on the hub's one-question page behind a signed link
 * (mode page). Either answer arrives as `survey.answered` (src/automation/surveys), so both modes
 * branch the same way: 1 or 2, the merchant is alerted by SMS and the customer gets an apology
 * offer; 4 or 5, a request for a review; 3, or no answer within the window, nothing more. One run
 * per order.
 */
import { z } from 'zod';
import type { ScenarioDefinitionInput } from '../scenario.ts';
import { CouponParam, DelayParam, defineTemplate, fillParams, PhoneParam, TextParam, unsubscribedExit } from './template.ts';

const score = (values: number[]) => ({ kind: 'field', field: 'lastEvent.data.score', op: 'in', value: values }) as const;

export const satisfactionSurveyTemplate = defineTemplate({
  id: 'satisfaction-survey',
  name: 'Enquête de satisfaction après livraison',
  description:
    'Le lendemain de la livraison, une question : "Répondez de 1 à 5" par SMS, ou un lien vers une page d\'une question. 1 ou 2 : une alerte SMS au commerçant et une offre d\'excuse au client ; 4 ou 5 : une demande d\'avis.',
  needs: {
    events: ['order.status_changed', 'survey.answered'],
    data: [
      { field: 'order.status_changed data.status', why: '"delivered": when the question goes' },
      { field: 'order.status_changed data.orderId', why: 'the order the question is about (survey.answered data.ref)' },
      { field: 'survey.answered data.score', why: 'the answer, 1 to 5: published by the hub from the SMS reply or the page' },
    ],
  },
  parameters: z
    .object({
      mode: z.enum(['sms', 'page']).default('sms').describe('"sms": the customer replies a digit from 1 to 5; "page": the SMS carries a signed link to the hub\'s one-question page.'),
      after: DelayParam('1d', 'How long after delivery the question goes'),
      answerWindow: DelayParam('3d', 'How long an answer is waited for'),
      reviewUrl: z.url({ protocol: /^https?$/, error: 'the page where customers leave a review, e.g. https://g.page/r/…/review' }).max(200).describe('Where satisfied customers leave a review.'),
      merchantPhone: PhoneParam('The merchant\'s mobile for the alert on a 1 or 2 (no alert without it), e.g. +33612345678.'),
      apologyCode: CouponParam('DESOLE15', 'The code offered after a 1 or 2'),
      questionText: TextParam('{{ contact.firstName | default: "Bonjour" }}, votre commande est bien arrivée ? Répondez de 1 (pas satisfait) à 5 (ravi) à ce SMS pour nous donner votre avis.', 'The question (mode sms)'),
      pageQuestionText: TextParam('{{ contact.firstName | default: "Bonjour" }}, votre commande est bien arrivée ? Donnez-nous votre avis en 1 clic : {{ survey.url }}', 'The question (mode page); {{ survey.url }} is the link'),
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
      // About an order the customer received: transactional, no marketing consent needed. The question
      // is a survey: its answer (an SMS reply 1 to 5, or the page) comes back as survey.answered with the order as ref.
      {
        id: 'sms-question',
        type: 'action',
        action: { ...sms(params.mode === 'page' ? params.pageQuestionText : params.questionText, 'transactional'), survey: { via: params.mode, ref: '{{ event.data.orderId }}', validFor: params.answerWindow } },
        next: 'attendre-reponse',
      },
      {
        id: 'attendre-reponse',
        type: 'waitFor',
        event: 'survey.answered',
        match: { by: 'key', field: 'data.ref', equals: 'event.data.orderId' },
        timeout: params.answerWindow,
        happened: 'note-basse',
        timedOut: 'fin',
      },
      { id: 'note-basse', type: 'condition', if: score([1, 2]), yes: params.merchantPhone === undefined ? 'sms-excuses' : 'alerte-commercant', no: 'note-haute' },
      ...(params.merchantPhone === undefined ? [] : [{ id: 'alerte-commercant', type: 'action' as const, action: sms(params.alertText, 'transactional', params.merchantPhone), next: 'sms-excuses' }]),
      { id: 'sms-excuses', type: 'action', action: sms(params.apologyText, 'marketing'), next: 'fin' },
      { id: 'note-haute', type: 'condition', if: score([4, 5]), yes: 'sms-avis', no: 'fin' },
      { id: 'sms-avis', type: 'action', action: sms(params.reviewText, 'transactional'), next: 'fin' },
      { id: 'fin', type: 'exit' },
    ];
    return {
      name: 'Enquête de satisfaction',
      description: `Question ${params.after} après la livraison (${params.mode === 'page' ? 'page d\'une question' : 'réponse par SMS'}), réponse attendue ${params.answerWindow}; 1-2 : ${params.merchantPhone === undefined ? '' : 'alerte au commerçant et '}offre ${params.apologyCode}; 4-5 : demande d'avis.`,
      definition: {
        trigger: { kind: 'event', event: 'order.status_changed', filter: { kind: 'field', field: 'event.data.status', op: 'eq', value: 'delivered' } },
        entry: { per: 'contactAndKey', key: 'event.data.orderId', reentry: false },
        exitEvents: [unsubscribedExit],
        steps,
      },
    };
  },
});
