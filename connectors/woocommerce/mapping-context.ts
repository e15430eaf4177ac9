/** What every WooCommerce → hub decision is given (the installation's view of its shop) and answers, and the shapes they share. */
import type { JsonValue } from '../../src/queue/job-queue.ts';
import type { OrderLine } from './payloads.ts';

export interface MappingContext {
  shop: { installationId: string; url: string; name: string };
  /** When the installation was created: an order created before it and seen for the first time proves no transition. */
  installedAt: Date;
  completedMeans: 'shipped' | 'completed';
  /** The store's low-stock threshold (or the installation's override). */
  lowStockThreshold: number;
  defaultCurrency: string;
  /** The store's host: customer ids are only unique within one store. */
  host: string;
  abandonedCartDelayMinutes: number;
}

export type { Decision } from '../../src/connectors/decision.ts';

export function money(amount: number | undefined, currency: string | undefined, ctx: MappingContext) {
  const code = (currency ?? ctx.defaultCurrency).toUpperCase();
  return { amount: amount ?? 0, currency: /^[A-Z]{3}$/.test(code) ? code : ctx.defaultCurrency };
}

export function linesJson(lines: OrderLine[]): JsonValue[] {
  return lines.map((line) => ({ productId: line.productId, name: line.name, quantity: line.quantity, total: line.total }));
}
