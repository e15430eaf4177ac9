/**
 * Per-installation authorization servers. Most providers have one (Google's), named by the manifest's URLs; some
 * have one per account: Salesforce signs production orgs in at login.salesforce.com, sandboxes at
 * test.salesforce.com, and orgs that require it at their My Domain (https://acme.my.salesforce.com). Such a
 * connector declares `oauth.authorizationServer(input)`: the origin the admin's install input chooses. The hub then
 * resolves the manifest's authorize, token and revoke paths against that origin for the flow, keeps the origin with
 * the tokens (sealed: a settings PATCH cannot send a refresh token elsewhere), and refreshes and revokes there.
 *
 * The origin is tenant-given, so it goes through the SSRF guard of src/net: checked when the flow starts (https, no
 * path or credentials, a public host; 400 naming the field otherwise) and on every connection (guarded agents for
 * the token calls, clients.ts).
 */
import { InvalidInputError } from '../../errors.ts';
import { checkHost, hostOf, type NetworkPolicy } from '../../net/outbound-guard.ts';
import type { Connector, JsonObject } from '../connector.ts';

/** What a connector's `authorizationServer` answers: the origin, and the install field it came from (for errors). */
export interface ChosenAuthorizationServer {
  url: string;
  field: string;
}

/** The origin (`https://host[:port]`) of a chosen server, or why it is refused (syntax only). */
export function parseAuthorizationServer(raw: string, network: NetworkPolicy): { origin: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'expected an address such as https://acme.my.salesforce.com' };
  }
  // http only where private targets are allowed (a self-hosted hub's own provider, tests); tokens never travel in clear otherwise.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && network.allowPrivateTargets)) return { problem: `expected an https:// address, got ${url.protocol}//` };
  if (url.username !== '' || url.password !== '') return { problem: 'put no user name or password in the address' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') return { problem: 'expected the server\'s address only, without a path, e.g. https://acme.my.salesforce.com' };
  return { origin: url.origin };
}

/** The server a flow's (or a reconnect's) install input chooses; undefined: the manifest's own. Syntax only, no I/O. */
export function authorizationServerOf(connector: Connector, input: JsonObject, network: NetworkPolicy): string | undefined {
  const chosen = connector.oauth?.authorizationServer?.(input);
  if (!chosen) return undefined;
  const parsed = parseAuthorizationServer(chosen.url, network);
  if ('problem' in parsed) throw new InvalidInputError(`The sign-in address is refused: ${parsed.problem}.`, [{ path: `body.${chosen.field}`, message: parsed.problem }]);
  return parsed.origin;
}

/** At the start of a flow: the chosen server's syntax and its host's addresses (SSRF), 400 naming the field otherwise. */
export async function checkAuthorizationServer(connector: Connector, input: JsonObject, network: NetworkPolicy): Promise<string | undefined> {
  const origin = authorizationServerOf(connector, input, network);
  if (origin === undefined) return undefined;
  const field = connector.oauth!.authorizationServer!(input)!.field;
  const checked = await checkHost(hostOf(new URL(origin)), network);
  if (!checked.ok) throw new InvalidInputError(`The sign-in address is refused: ${checked.message}`, [{ path: `body.${field}`, message: checked.message }]);
  return origin;
}

/** A manifest URL moved to the chosen server: same path and query, the server's origin. */
export function onServer(url: string, origin: string | undefined): string {
  if (origin === undefined) return url;
  const moved = new URL(url);
  const target = new URL(origin);
  moved.protocol = target.protocol;
  moved.host = target.host;
  return moved.toString();
}
