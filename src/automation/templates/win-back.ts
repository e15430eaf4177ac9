/** Win-back: six months after a customer's last order without a new one, an offer to come back. Each order starts the count again. */
import { z } from 'zod';
import { CouponParam, DelayParam, defineTemplate, fillParams, TextParam, unsubscribedExit } from './template.ts';

export const winBackTemplate = defineTemplate({
  id: 'win-back',
  name: 'Reconquête après 6 mois sans achat',
  description: 'Six mois après la dernière commande, sans nouvelle commande, un SMS avec une offre de retour. Chaque commande remet le compte à zéro.',
  needs: { events: ['order.created'], data: [] },
  parameters: z
    .object({
      after: DelayParam('180d', 'How long without an order'),
      couponCode: CouponParam('RETOUR15', 'The code in the offer'),
      text: TextParam('{{ contact.firstName | default: "Bonjour" }}, vous nous manquez ! -15% sur votre prochaine commande avec le code {{ params.couponCode }}, valable 1 mois.', 'The win-back SMS'),
    })
    .strict(),
  build(params) {
    return {
      name: 'Reconquête',
      description: `Offre ${params.couponCode} après ${params.after} sans commande.`,
      definition: {
        trigger: { kind: 'event', event: 'order.created' },
        entry: { per: 'contact', reentry: true },
        exitEvents: [{ event: 'order.created' }, unsubscribedExit],
        steps: [
          { id: 'attendre', type: 'wait', wait: { kind: 'duration', duration: params.after }, next: 'sms-reconquete' },
          { id: 'sms-reconquete', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: fillParams(params.text, params) }, next: 'fin' },
          { id: 'fin', type: 'exit' },
        ],
      },
    };
  },
});
