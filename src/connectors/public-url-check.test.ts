import { describe, expect, it } from 'vitest';
import { publicUrlWarning } from './public-url-check.ts';

describe('publicUrlWarning', () => {
  it.each([
    ['http://localhost:3000', 'a loopback'],
    ['http://shop.localhost', 'a loopback'],
    ['http://127.0.0.1:3000', 'a loopback'],
    ['http://[::1]:3000', 'a loopback'],
    ['http://192.168.1.20:3000', 'a private'],
    ['http://10.0.0.5', 'a private'],
  ])('warns that external systems cannot reach %s', (url, reason) => {
    expect(publicUrlWarning(url)).toMatch(new RegExp(`^HUB_PUBLIC_URL is ${url.replace(/[.[\]]/g, '\\$&')}, ${reason}.* Set HUB_PUBLIC_URL to`));
  });

  it.each(['https://hub.example.com', 'https://93.184.215.14', 'http://hub.internal.example:8080'])('accepts %s', (url) => {
    expect(publicUrlWarning(url)).toBeUndefined();
  });
});
