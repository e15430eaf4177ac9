/** WooCommerce billing addresses, customers and checkout consent → the hub's ContactInput. */
import { personName, phoneOf, validEmail, validPast } from '../../src/connectors/contact-fields.ts';
import type { ContactInput } from '../../src/contacts/schemas.ts';
import type { MappingContext } from './mapping-context.ts';
import { metaText } from './meta-values.ts';
import type { Address, WooCustomer, WooOrder } from './payloads.ts';

/** Consent recorded by the companion plugin at checkout (order meta, `Connector_Hub_Checkout`). */
const CONSENT_META = '_connector_hub_sms_consent';
const CONSENT_AT_META = '_connector_hub_sms_consent_at';
const CONSENT_TEXT_META = '_connector_hub_sms_consent_text';
export const CART_ID_META = '_connector_hub_cart_id';

const YES = new Set(['yes', '1', 'true', 'on']);

export function contactInput(fields: { phone?: string | undefined; email?: string | undefined; firstName?: string | undefined; lastName?: string | undefined; customerId?: string | undefined }, ctx: MappingContext): ContactInput | undefined {
  const input: ContactInput = {};
  if (fields.phone !== undefined) input.phone = fields.phone;
  if (fields.email !== undefined) input.email = fields.email;
  if (fields.firstName !== undefined) input.firstName = fields.firstName;
  if (fields.lastName !== undefined) input.lastName = fields.lastName;
  if (fields.customerId !== undefined && fields.customerId !== '0') input.externalIds = { woocommerce: `${fields.customerId}@${ctx.host}` };
  return input.phone === undefined && input.email === undefined && input.externalIds === undefined ? undefined : input;
}

function fromAddress(billing: Address, customerId: string | undefined, ctx: MappingContext, fallbackEmail?: string) {
  return contactInput(
    { phone: phoneOf(billing.phone, billing.country), email: validEmail(billing.email ?? fallbackEmail), firstName: personName(billing.firstName), lastName: personName(billing.lastName), customerId },
    ctx,
  );
}

export function contactFromOrder(order: WooOrder, ctx: MappingContext, options: { withConsent: boolean; now: Date }): ContactInput | undefined {
  const input = fromAddress(order.billing, order.customerId, ctx);
  if (!input || !options.withConsent) return input;
  const consent = metaText(order.meta[CONSENT_META])?.toLowerCase();
  // An unticked box is no answer, not a withdrawal: only a tick is recorded.
  if (consent !== undefined && YES.has(consent) && input.phone !== undefined) {
    const at = validPast(order.meta[CONSENT_AT_META], options.now) ?? order.createdAt?.toISOString() ?? options.now.toISOString();
    const wording = metaText(order.meta[CONSENT_TEXT_META]);
    input.consent = { sms: { status: 'granted', at, source: 'woocommerce-checkout', proof: `${wording ?? 'checkbox ticked at checkout'} (order ${order.number}, ${ctx.shop.url})`.slice(0, 2000) } };
  }
  return input;
}

export function contactFromCustomer(customer: WooCustomer, ctx: MappingContext): ContactInput | undefined {
  return contactInput(
    {
      phone: phoneOf(customer.billing.phone, customer.billing.country),
      email: validEmail(customer.email ?? customer.billing.email),
      firstName: personName(customer.firstName ?? customer.billing.firstName),
      lastName: personName(customer.lastName ?? customer.billing.lastName),
      customerId: customer.id,
    },
    ctx,
  );
}
