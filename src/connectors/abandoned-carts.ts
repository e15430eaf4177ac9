/**
 * Abandoned carts, the same for every shop connector: a cart with a contact → cart.updated and a
 * timer; the timer firing before an order, a newer cart or an emptied cart → cart.abandoned. Each
 * connector turns its own cart payload into a CartInput (contact, consent, lines) first.
 */
import type { ContactInput } from '../contacts/schemas.ts';
import type { JsonValue } from '../queue/job-queue.ts';
import type { JsonObject, TimerOps } from './connector.ts';
import { validPast } from './contact-fields.ts';
import type { Decision } from './decision.ts';

/** What the decisions need of the installation. */
export interface CartContext {
  shop: { installationId: string; url: string; name: string };
  abandonedCartDelayMinutes: number;
}

/** A shop's cart, normalized by its connector. */
export interface CartInput {
  cartId: string;
  /** ISO date of the cart's last change: its revision. */
  updatedAt: string;
  /** The shopper without consent; undefined when there is no valid email or phone yet. */
  contact: ContactInput | undefined;
  /** The SMS consent ticked with this cart, when it was. */
  consent?: { text?: string | undefined; at?: string | undefined; source: string } | undefined;
  total: { amount: number; currency: string };
  lines: { productId: string; name: string; quantity: number; total: number }[];
  recoveryUrl: string;
}

export type CartStatus = 'open' | 'ordered' | 'abandoned' | 'emptied';

export interface CartMemory {
  cartId: string;
  status: CartStatus;
  /** The cart's `updatedAt`: a newer cart replaces the timer of an older one. */
  rev: string;
  email: string | null;
  phone: string | null;
  contact: JsonObject | null;
  total: { amount: number; currency: string };
  lines: JsonValue[];
  recoveryUrl: string;
}

export const cartKey = (cartId: string) => `cart:${cartId}`;

export function cartDecision(cart: CartInput, previous: CartMemory | undefined, ctx: CartContext, now: Date): Decision<CartMemory> {
  const rev = new Date(cart.updatedAt).toISOString();
  if (previous && rev <= previous.rev) return { apply: false, note: `cart ${cart.cartId}: updated ${rev}, not newer than the ${previous.rev} the hub has` };
  const base = cart.contact;
  if (!base) return { apply: false, note: `cart ${cart.cartId}: no valid email or phone yet, nobody to remind` };
  const withConsent: ContactInput = { ...base };
  if (cart.consent && base.phone !== undefined) {
    withConsent.consent = {
      sms: {
        status: 'granted',
        at: validPast(cart.consent.at, now) ?? validPast(cart.updatedAt, now) ?? now.toISOString(),
        source: cart.consent.source,
        proof: `${cart.consent.text ?? 'checkbox ticked at checkout'} (cart ${cart.cartId}, ${ctx.shop.url})`.slice(0, 2000),
      },
    };
  }
  const total = cart.total;
  const lines = cart.lines.filter((line) => Math.round(line.quantity) > 0).map((line) => ({ ...line, quantity: Math.round(line.quantity) }));
  const recoveryUrl = cart.recoveryUrl;
  const memory: CartMemory = {
    cartId: cart.cartId,
    status: 'open',
    rev,
    email: base.email ?? null,
    phone: base.phone ?? null,
    contact: base as JsonObject,
    total,
    lines: lines.map((line) => ({ productId: line.productId, name: line.name, quantity: line.quantity, total: line.total })),
    recoveryUrl,
  };
  const key = cartKey(cart.cartId);
  return {
    apply: true,
    memory,
    events: [
      {
        type: 'cart.updated',
        key: `cart.updated:${cart.cartId}:${rev}`,
        occurredAt: rev,
        data: { cartId: cart.cartId, total, lines: memory.lines, recoveryUrl, shop: ctx.shop },
        contact: withConsent,
      },
    ],
    timers: {
      ...(previous?.status === 'open' ? { cancel: [{ key, rev: previous.rev }] } : {}),
      set: [{ key, rev, delayMs: ctx.abandonedCartDelayMinutes * 60_000 }],
    },
  };
}

export function cartEmptiedDecision(cartId: string, updatedAt: string, previous: CartMemory | undefined): Decision<CartMemory> {
  const rev = new Date(updatedAt).toISOString();
  if (!previous) return { apply: false, note: `cart ${cartId}: emptied before the hub saw it` };
  if (rev <= previous.rev) return { apply: false, note: `cart ${cartId}: emptied at ${rev}, not newer than ${previous.rev}` };
  return {
    apply: true,
    memory: { ...previous, status: 'emptied', rev },
    events: [],
    ...(previous.status === 'open' ? { timers: { cancel: [{ key: cartKey(cartId), rev: previous.rev }] } } : {}),
  };
}

/** The cart's timer fired: abandoned unless an order, a newer cart or an empty cart came first. */
export function cartTimerDecision(rev: string, previous: CartMemory | undefined, ctx: CartContext, now: Date): Decision<CartMemory> {
  if (!previous) return { apply: false, note: 'timer for a cart the hub does not know' };
  if (previous.rev !== rev) return { apply: false, note: `cart ${previous.cartId}: changed since this timer was set (a newer timer decides)` };
  if (previous.status !== 'open') return { apply: false, note: `cart ${previous.cartId}: ${previous.status}, not abandoned` };
  return {
    apply: true,
    memory: { ...previous, status: 'abandoned' },
    events: [
      {
        type: 'cart.abandoned',
        key: `cart.abandoned:${previous.cartId}:${rev}`,
        occurredAt: now.toISOString(),
        data: {
          cartId: previous.cartId,
          total: previous.total,
          lines: previous.lines,
          recoveryUrl: previous.recoveryUrl,
          abandonedAfterMinutes: Math.round(ctx.abandonedCartDelayMinutes),
          shop: ctx.shop,
        },
        ...(previous.contact ? { contact: previous.contact as ContactInput } : {}),
      },
    ],
  };
}

/** An order closes the carts of the same shopper (by the shop's cart id, email or phone): their timers are cancelled. */
export function cartsClosedByOrder(carts: CartMemory[]): { memory: CartMemory[]; timers: TimerOps } {
  const closing = carts.filter((cart) => cart.status === 'open' || cart.status === 'abandoned');
  return {
    memory: closing.map((cart) => ({ ...cart, status: 'ordered' })),
    timers: { cancel: closing.filter((cart) => cart.status === 'open').map((cart) => ({ key: cartKey(cart.cartId), rev: cart.rev })) },
  };
}
