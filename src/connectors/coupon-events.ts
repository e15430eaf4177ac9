/**
 * `coupon.used` from a shop's new order: one event per coupon code the order used (the codes
 * compared ignoring case, as WooCommerce stores them lower-cased and customers type either), keyed
 * by the order and the code so a replayed order announces none twice. The shop connectors call it
 * when they publish `order.created`; the birthday scenario waits for it.
 */
import type { EventDraft, JsonObject } from './connector.ts';

export function couponEvents(
  orderId: number | string,
  coupons: readonly { code: string; discount: number }[],
  currency: string,
  occurredAt: string,
  ctx: { shop: JsonObject | { installationId: string; url: string; name: string } },
  contact: EventDraft['contact'],
): EventDraft[] {
  const seen = new Set<string>();
  return coupons.flatMap((coupon) => {
    const code = coupon.code.trim();
    const key = code.toLowerCase();
    if (code === '' || seen.has(key)) return [];
    seen.add(key);
    const data: JsonObject = { code, orderId: String(orderId), discount: { amount: coupon.discount, currency }, shop: ctx.shop as JsonObject };
    return [{ type: 'coupon.used', key: `coupon.used:${orderId}:${key}`, occurredAt, data, ...(contact ? { contact } : {}) }];
  });
}
