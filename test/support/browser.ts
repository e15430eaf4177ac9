/**
 * A browser as far as redirects and cookies go (RFC 6265: name=value, Path, Max-Age/Expires): enough to follow an
 * OAuth flow across the hub and an authorization server the way a person's browser does, with its own cookie jar.
 */
export interface Hop {
  url: string;
  status: number;
  location: string | undefined;
}

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

export class TestBrowser {
  readonly #cookies: Cookie[] = [];

  /** The cookies this browser would send to `url`. */
  cookiesFor(url: string): Record<string, string> {
    const { host, pathname } = new URL(url);
    const sent: Record<string, string> = {};
    for (const cookie of this.#cookies) if (cookie.host === host && (pathname === cookie.path || pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))) sent[cookie.name] = cookie.value;
    return sent;
  }

  async get(url: string): Promise<{ response: Response; body: string }> {
    const cookies = Object.entries(this.cookiesFor(url)).map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookies ? { cookie: cookies } : {} });
    const { host } = new URL(url);
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((part) => part.trim());
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, attributeValue = ''] = attribute.split('=');
        if (key!.toLowerCase() === 'path') path = attributeValue;
        if (key!.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (key!.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      const at = this.#cookies.findIndex((cookie) => cookie.name === name && cookie.host === host && cookie.path === path);
      if (at >= 0) this.#cookies.splice(at, 1);
      if (!expired) this.#cookies.push({ name, value, host, path });
    }
    return { response, body: await response.text() };
  }

  /** Follows redirects like a browser; the hops, and the last answer's status and body. */
  async follow(url: string, options: { stopAt?: (url: string) => boolean } = {}): Promise<{ hops: Hop[]; status: number; body: string; url: string }> {
    const hops: Hop[] = [];
    let current = url;
    for (let count = 0; count < 10; count++) {
      if (options.stopAt?.(current)) return { hops, status: 0, body: '', url: current };
      const { response, body } = await this.get(current);
      const location = response.headers.get('location') ?? undefined;
      hops.push({ url: current, status: response.status, location });
      if (response.status < 300 || response.status >= 400 || !location) return { hops, status: response.status, body, url: current };
      current = new URL(location, current).toString();
    }
    throw new Error(`too many redirects from ${url}`);
  }
}
