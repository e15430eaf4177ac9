/** WooCommerce's order status (and what tracking plugins add to it) → the hub's generic order status. */
import type { z } from 'zod';
import type { OrderStatusSchema } from '../../src/bus/catalog/commerce.ts';
import { metaList, metaText } from './meta-values.ts';

export type HubOrderStatus = z.infer<typeof OrderStatusSchema>;

/** Never delivered by WooCommerce's own webhooks (WC_Webhook::is_valid_resource), but plugins send anything. */
export const DRAFT_STATUSES: ReadonlySet<string> = new Set(['checkout-draft', 'auto-draft', 'draft', 'trash', 'new']);

export interface Tracking {
  number: string;
  provider?: string;
  url?: string;
}

/** Parcels recorded by WooCommerce Shipment Tracking or Advanced Shipment Tracking (meta `_wc_shipment_tracking_items`). */
export function trackingOf(meta: Record<string, unknown>): Tracking[] {
  return metaList(meta._wc_shipment_tracking_items).flatMap((item) => {
    const number = metaText(item.tracking_number);
    if (number === undefined) return [];
    const provider = metaText(item.custom_tracking_provider) ?? metaText(item.tracking_provider) ?? metaText(item.formatted_tracking_provider);
    const url = metaText(item.custom_tracking_link) ?? metaText(item.formatted_tracking_link) ?? metaText(item.tracking_link);
    return [{ number, ...(provider ? { provider } : {}), ...(url ? { url } : {}) }];
  });
}

/**
 * A tracking plugin says the parcel arrived: TrackShip / Advanced Shipment Tracking keep the
 * carrier's status in meta `shipment_status` (a list, newest last) or on each tracking item.
 */
function trackingSaysDelivered(meta: Record<string, unknown>): boolean {
  const history = metaList(meta.shipment_status);
  if (history.length > 0 && metaText(history[history.length - 1]!.status) === 'delivered') return true;
  const items = metaList(meta._wc_shipment_tracking_items);
  return items.length > 0 && items.every((item) => (metaText(item.status) ?? metaText(item.shipment_status) ?? metaText(item.tracking_status)) === 'delivered');
}

/**
 * WooCommerce's status → the hub's generic one; undefined for drafts and statuses the hub does not
 * know (a plugin's own), which are remembered but publish nothing.
 */
export function mapOrderStatus(shopStatus: string, meta: Record<string, unknown>, completedMeans: 'shipped' | 'completed'): HubOrderStatus | undefined {
  switch (shopStatus) {
    case 'pending':
      return 'pending';
    case 'processing':
      return 'processing';
    case 'on-hold':
      return 'on_hold';
    case 'completed':
      return trackingSaysDelivered(meta) ? 'delivered' : completedMeans;
    // Custom statuses of tracking plugins (AST: wc-shipped, wc-partial-shipped, wc-delivered).
    case 'shipped':
    case 'partial-shipped':
      return trackingSaysDelivered(meta) ? 'delivered' : 'shipped';
    case 'delivered':
      return 'delivered';
    case 'cancelled':
      return 'cancelled';
    case 'refunded':
      return 'refunded';
    case 'failed':
      return 'failed';
    default:
      return undefined;
  }
}
