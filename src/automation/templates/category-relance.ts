/**
 * Per-category relance: after a purchase in a category, a relance when that category's usual
 * repurchase delay has passed (make-up 30 days, accessories 85, body care 55: the tenant sets its
 * own), stopped by a new purchase in the category, which starts the count again. One scenario per
 * category (instantiate once for each): a run per contact and category, so a make-up purchase does
 * not end the accessories relance. Orders carry `categories` (the lines' categories, bus catalog).
 */
import { z } from 'zod';
import { DurationSchema } from '../duration.ts';
import { CouponParam, defineTemplate, fillParams, TextParam, unsubscribedExit } from './template.ts';

const CategorySettings = z.object({ delay: DurationSchema, label: z.string().trim().min(1).max(60).describe('How the SMS names it: "maquillage", "soins du corps".') }).strict();

export const DEFAULT_CATEGORY_DELAYS = {
  maquillage: { delay: '30d', label: 'maquillage' },
  accessoires: { delay: '85d', label: 'accessoires' },
  'soins-corps': { delay: '55d', label: 'soins du corps' },
};

export const categoryRelanceTemplate = defineTemplate({
  id: 'category-relance',
  name: 'Relance par catégorie de produit',
  description:
    'Après un achat dans une catégorie, une relance quand son délai habituel de rachat est passé (maquillage 30 jours, accessoires 85, soins du corps 55, réglables). ' +
    'Un nouvel achat dans la catégorie arrête la relance et relance le compte.',
  needs: {
    events: ['order.created'],
    data: [{ field: 'order.created data.categories (or data.lines[].categories)', why: 'the categories bought, as the shop names them' }],
  },
  parameters: z
    .object({
      category: z.string().trim().min(1).max(100).default('maquillage').describe('The category this scenario relaunches, as orders name it (a key of categories).'),
      categories: z.record(z.string().min(1).max(100), CategorySettings).default(DEFAULT_CATEGORY_DELAYS).describe('Repurchase delay and label of each category: the tenant\'s own.'),
      couponCode: CouponParam('RACHAT10', 'The code in the relance'),
      text: TextParam(
        '{{ contact.firstName | default: "Bonjour" }}, il est temps de renouveler vos produits {{ params.label }} ? -10% avec le code {{ params.couponCode }}.',
        'The relance',
      ),
    })
    .strict()
    .refine((params) => Object.hasOwn(params.categories, params.category), {
      path: ['category'],
      error: 'no delay for this category: add it to categories, e.g. {"bougies": {"delay": "45d", "label": "bougies"}}',
    }),
  build(params) {
    const settings = params.categories[params.category]!;
    const inCategory = (root: 'event' | 'lastEvent') => ({ kind: 'field', field: `${root}.data.categories`, op: 'contains', value: params.category }) as const;
    return {
      name: `Relance ${settings.label}`,
      description: `Relance ${settings.delay} après un achat en ${settings.label}, sauf nouvel achat dans la catégorie.`,
      definition: {
        trigger: { kind: 'event', event: 'order.created', filter: inCategory('event') },
        entry: { per: 'contact', reentry: true },
        // A new purchase in the category ends this run; as a trigger it starts the next one (re-entry).
        exitEvents: [{ event: 'order.created', match: { by: 'contact', where: inCategory('lastEvent') } }, unsubscribedExit],
        steps: [
          { id: 'attendre-rachat', type: 'wait', wait: { kind: 'duration', duration: settings.delay }, next: 'sms-relance' },
          { id: 'sms-relance', type: 'action', action: { kind: 'sendSms', category: 'marketing', text: fillParams(params.text, { ...params, label: settings.label }) }, next: 'fin' },
          { id: 'fin', type: 'exit' },
        ],
      },
    };
  },
});
