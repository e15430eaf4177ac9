import { z } from 'zod';

/**
 * A shop's base URL as given, normalized: scheme and host lower-cased, no trailing slash, no query.
 * `credentials` names what to give instead of a user name in the URL; `platform` what may live in a sub-folder.
 */
export function shopUrlSchema(credentials: string, platform: string) {
  return z
    .string()
    .trim()
    .max(2048)
    .transform((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.issues.push({ code: 'custom', input: value, message: 'expected the shop\'s address, e.g. https://boutique.example.fr' });
        return z.NEVER;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        ctx.issues.push({ code: 'custom', input: value, message: `expected an https:// address, got ${url.protocol}//` });
        return z.NEVER;
      }
      if (url.username !== '' || url.password !== '') {
        ctx.issues.push({ code: 'custom', input: value, message: `put no user name or password in the address; give ${credentials} instead` });
        return z.NEVER;
      }
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    })
    .describe(`The shop's address as customers open it, e.g. https://boutique.example.fr (a ${platform} in a sub-folder keeps its path).`);
}
