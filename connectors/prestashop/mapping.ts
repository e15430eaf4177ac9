/** PrestaShop's states and addresses → the hub's order statuses and contacts (pure). */
import type { z } from 'zod';
import type { OrderStatusSchema } from '../../src/bus/catalog/commerce.ts';
import { personName, phoneOf, validEmail, validPast } from '../../src/connectors/contact-fields.ts';
import type { ContactInput } from '../../src/contacts/schemas.ts';
import type { PsAddress, PsConsent, PsCustomer, PsState } from './payloads.ts';

export type HubOrderStatus = z.infer<typeof OrderStatusSchema>;
export type StateRole = NonNullable<PsState['role']>;

/** The module's role of a built-in state (PAYLOAD.md) → the hub's status. A custom state has no role: left unmapped. */
const STATUS_OF_ROLE: Record<StateRole, HubOrderStatus> = {
  awaiting_payment: 'on_hold',
  payment_accepted: 'processing',
  processing: 'processing',
  shipped: 'shipped',
  delivered: 'delivered',
  cancelled: 'cancelled',
  refunded: 'refunded',
  payment_error: 'failed',
  backorder: 'on_hold',
};

export const statusOf = (state: Pick<PsState, 'role'>): HubOrderStatus | undefined => (state.role === null ? undefined : STATUS_OF_ROLE[state.role]);

export interface ShopContext {
  shop: { installationId: string; url: string; name: string };
  /** The shop's host: customer ids are only unique within one shop. */
  host: string;
  installedAt: Date;
  lowStockThreshold: number;
  abandonedCartDelayMinutes: number;
}

/** The mobile phone first (PrestaShop's `phone_mobile`), else the landline, read in the address's country. */
export function phoneOfAddress(address: PsAddress | null | undefined): string | undefined {
  if (!address) return undefined;
  return phoneOf(address.mobilePhone, address.country) ?? phoneOf(address.phone, address.country);
}

export function contactOf(customer: PsCustomer | null | undefined, address: PsAddress | null | undefined, ctx: ShopContext): ContactInput | undefined {
  const input: ContactInput = {};
  const phone = phoneOfAddress(address);
  const email = validEmail(customer?.email);
  const firstName = personName(address?.firstName ?? customer?.firstName);
  const lastName = personName(address?.lastName ?? customer?.lastName);
  if (phone !== undefined) input.phone = phone;
  if (email !== undefined) input.email = email;
  if (firstName !== undefined) input.firstName = firstName;
  if (lastName !== undefined) input.lastName = lastName;
  if (customer && customer.customerId > 0 && !customer.guest) input.externalIds = { prestashop: `${customer.customerId}@${ctx.host}` };
  return input.phone === undefined && input.email === undefined && input.externalIds === undefined ? undefined : input;
}

/** The module's checkbox, ticked: granted with its wording as proof. Unticked is no answer, not a withdrawal. */
export function withConsent(contact: ContactInput | undefined, consent: PsConsent | null | undefined, proofOf: string, source: string, fallbackAt: string, now: Date): ContactInput | undefined {
  if (!contact || !consent?.sms || contact.phone === undefined) return contact;
  const at = validPast(consent.at, now) ?? validPast(fallbackAt, now) ?? now.toISOString();
  return { ...contact, consent: { sms: { status: 'granted', at, source, proof: `${consent.text ?? 'checkbox ticked'} (${proofOf})`.slice(0, 2000) } } };
}

export const CONSENT_SOURCE = 'prestashop-module';
