/** The companion WordPress plugin's carts → the shared abandoned-cart decisions (src/connectors/abandoned-carts.ts). */
import { cartDecision as sharedCartDecision, type CartInput, type CartMemory } from '../../src/connectors/abandoned-carts.ts';
import { personName, phoneOf, validEmail } from '../../src/connectors/contact-fields.ts';
import type { Decision } from '../../src/connectors/decision.ts';
import { contactInput } from './contact-mapping.ts';
import { money, type MappingContext } from './mapping-context.ts';
import type { PluginCart } from './payloads.ts';

export { cartEmptiedDecision, cartKey, cartsClosedByOrder, cartTimerDecision, type CartMemory } from '../../src/connectors/abandoned-carts.ts';

export function cartInput(cart: PluginCart, ctx: MappingContext): CartInput {
  const contact = contactInput(
    { phone: phoneOf(cart.customer.phone, cart.customer.country), email: validEmail(cart.customer.email), firstName: personName(cart.customer.firstName), lastName: personName(cart.customer.lastName) },
    ctx,
  );
  return {
    cartId: cart.cartId,
    updatedAt: cart.updatedAt,
    contact,
    ...(cart.consent?.sms ? { consent: { text: cart.consent.text, at: cart.consent.at, source: 'woocommerce-checkout' } } : {}),
    total: money(cart.total, cart.currency, ctx),
    lines: cart.lines,
    recoveryUrl: cart.recoveryUrl ?? ctx.shop.url,
  };
}

export function cartDecision(cart: PluginCart, previous: CartMemory | undefined, ctx: MappingContext, now: Date): Decision<CartMemory> {
  return sharedCartDecision(cartInput(cart, ctx), previous, ctx, now);
}
