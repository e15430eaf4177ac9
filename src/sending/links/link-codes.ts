/**
 * Tracked links: `{{ link "https://…" }}` in a message becomes `<base>/l/<code>`, one code per
 * recipient and link, so a click names its message and contact.
 *
 * A code is 8 random base62 characters (62^8 ≈ 2·10^14, about 48 bits): a link costs 3 + 8
 * characters after the base in an SMS, and guessing one of a tenant's million live codes takes
 * ~10^8 tries on average, against the gateway's per-address limit on public routes.
 */
import { randomBase62 } from '../../ids.ts';

export const LINK_PATH = '/l';
export const LINK_CODE_LENGTH = 8;
export const LinkCodePattern = /^[0-9A-Za-z]{8}$/;

export interface MessageLink {
  code: string;
  url: string;
}

export function newLinkCode(): string {
  return randomBase62(LINK_CODE_LENGTH);
}

/** `https://hub.example/l/Ab3dE6gH`: the tenant's short domain when set, else the hub's public URL. */
export function shortLinkUrl(base: string, code: string): string {
  return `${base.replace(/\/+$/, '')}${LINK_PATH}/${code}`;
}

/**
 * A renderer option that makes one code per link of one message and remembers them, for the
 * message's insert. `sample` gives codes of the right length without storing anything (previews).
 */
export function linkMaker(base: string, options: { sample?: boolean } = {}): { link: (url: string) => string; links: MessageLink[] } {
  const links: MessageLink[] = [];
  return {
    links,
    link(url) {
      const code = options.sample ? 'x'.repeat(LINK_CODE_LENGTH) : newLinkCode();
      links.push({ code, url });
      return shortLinkUrl(base, code);
    },
  };
}
