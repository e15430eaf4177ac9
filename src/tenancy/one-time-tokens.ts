import { randomBase62 } from '../ids.ts';

/** Setup and invitation links carry a 256-bit random token; only its SHA-256 (sessions.ts `hashToken`) is stored. */
export const newLinkToken = (): string => randomBase62(43);

/** `<publicUrl>/console/<page>?token=…`: the console page that takes the token. */
export const consoleLink = (publicUrl: string, page: 'setup' | 'invitation', token: string): string =>
  `${publicUrl.replace(/\/+$/, '')}/console/${page}?token=${encodeURIComponent(token)}`;
