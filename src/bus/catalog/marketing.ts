import { z } from 'zod';
import { Money, Shop } from './commerce.ts';
import { defineEventType } from './define.ts';

/**
 * Events of the marketing loops the scenario library runs (docs/scenario-templates.md): a coupon
 * used, a loyalty card, a satisfaction answer. Shops send them through their connectors or
 * `POST /v1/events`; the hub publishes `survey.answered` itself for answers on its survey page.
 */
export const marketingEvents = [
  defineEventType({
    type: 'coupon.used',
    title: 'Coupon used',
    description: 'A customer used a coupon code (in an order, at the till). The birthday scenario waits for its code.',
    data: z.object({
      code: z.string().min(1).max(100).describe('The code as the customer typed it; scenarios compare it ignoring case.'),
      orderId: z.string().optional(),
      discount: Money.optional(),
      shop: Shop,
    }),
    example: { code: 'ANNIV20', orderId: '1234', discount: { amount: 8.4, currency: 'EUR' } },
  }),
  defineEventType({
    type: 'loyalty.enrolled',
    title: 'Loyalty card enrolment',
    description: 'A customer joined the loyalty programme (a card was created for them).',
    data: z.object({ cardId: z.string().optional(), points: z.number().int().min(0).default(0).describe('The balance at enrolment (welcome points).'), shop: Shop }),
    example: { cardId: 'FID-000417', points: 50 },
  }),
  defineEventType({
    type: 'loyalty.points_changed',
    title: 'Loyalty points changed',
    description: 'A customer\'s points balance changed: earned with a purchase, spent on a reward, adjusted or expired.',
    data: z.object({
      points: z.number().int().describe('The balance after the change.'),
      change: z.number().int().describe('Points added (positive) or removed (negative).'),
      reason: z.enum(['purchase', 'reward', 'adjustment', 'expiry']),
      orderId: z.string().optional(),
      cardId: z.string().optional(),
      shop: Shop,
    }),
    example: { points: 320, change: 60, reason: 'purchase' as const, orderId: '1234', cardId: 'FID-000417' },
  }),
  defineEventType({
    type: 'survey.answered',
    title: 'Survey answered',
    description: 'A customer answered a satisfaction question, on the hub\'s survey page (signed link) or by SMS reply.',
    data: z.object({
      surveyId: z.string().describe('The invitation the answer is for.'),
      score: z.number().int().min(1).max(5),
      comment: z.string().max(1000).optional(),
      via: z.enum(['page', 'sms', 'api']),
      ref: z.string().optional().describe('What was asked about, e.g. the order id.'),
    }),
    example: { surveyId: 'svy_3kTq9aQ2xZp', score: 5, via: 'page' as const, ref: '1234' },
  }),
];
