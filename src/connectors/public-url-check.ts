import { blockedAddressReason } from '../net/blocked-addresses.ts';
import { hostOf } from '../net/outbound-guard.ts';

/**
 * Why external systems cannot reach the hub at `publicUrl`, if they cannot: a connector install
 * registers webhooks at this URL, and a shop on the internet can never call localhost or a private
 * address (HUB_PUBLIC_URL defaults to http://localhost:$PORT, right only for local trials).
 */
export function publicUrlWarning(publicUrl: string): string | undefined {
  const host = hostOf(new URL(publicUrl)).toLowerCase();
  const reason = host === 'localhost' || host.endsWith('.localhost') ? 'a loopback' : blockedAddressReason(host);
  if (reason === undefined || reason === 'not an IP') return undefined;
  return (
    `HUB_PUBLIC_URL is ${publicUrl}, ${reason} address: the external system's webhooks were registered there and will not arrive ` +
    'unless it runs on this network. Set HUB_PUBLIC_URL to the address the external system reaches the hub at (e.g. https://hub.example.com), restart, and install again.'
  );
}
