import { describe, expect, it } from 'vitest';
import { buildUnsubscribeHeaders, createUnsubscribeLink, unsubscribeUrl } from './list-unsubscribe.ts';
import { renderUnsubscribePage, maskAddress } from './unsubscribe-page.ts';
import { createUnsubscribeTokens } from './unsubscribe-token.ts';

const tokens = createUnsubscribeTokens(Buffer.alloc(32, 1));
const base = { tokens, tenantId: 'ten_8Qy2mZ0bW1nV4xR7tK3p', messageId: 'k3J9aQ2xZp', address: 'camille.martin@example.fr', publicUrl: 'https://hub.example.com' };

describe('buildUnsubscribeHeaders', () => {
  it('lists the mailto first, then the https one-click URL, and asks for one-click POST (RFC 8058)', () => {
    const headers = buildUnsubscribeHeaders({ ...base, mailto: 'unsubscribe@bounces.example.com' });
    const token = tokens.sign({ tenantId: base.tenantId, channel: 'email', address: base.address, messageId: base.messageId });
    expect(headers).toEqual({
      'List-Unsubscribe': `<mailto:unsubscribe@bounces.example.com?subject=unsubscribe%20${token}>, <https://hub.example.com/unsubscribe/${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(Object.keys(headers)).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post']);
  });

  it('gives the same URL for the body footer as in the header', () => {
    const link = createUnsubscribeLink(base);
    expect(link.headers['List-Unsubscribe']).toBe(`<${link.url}>`);
    expect(link.headers).toEqual(buildUnsubscribeHeaders(base));
  });

  it('has only the https URL without a mailto', () => {
    const headers = buildUnsubscribeHeaders(base);
    expect(headers['List-Unsubscribe']).toMatch(/^<https:\/\/hub\.example\.com\/unsubscribe\/[A-Za-z0-9_-]+>$/);
  });

  it('signs a token that verifies to the tenant, the email channel, the address and the message', () => {
    const url = /<(https:[^>]+)>/.exec(buildUnsubscribeHeaders(base)['List-Unsubscribe'])![1]!;
    const token = url.slice(url.lastIndexOf('/') + 1);
    expect(tokens.verify(token)).toEqual({ tenantId: base.tenantId, channel: 'email', address: base.address, messageId: base.messageId });
  });

  it.each([
    ['a trailing slash', 'https://hub.example.com/', 'https://hub.example.com/unsubscribe/T'],
    ['a path prefix', 'https://example.com/hub', 'https://example.com/hub/unsubscribe/T'],
    ['a port', 'http://127.0.0.1:3000', 'http://127.0.0.1:3000/unsubscribe/T'],
  ])('builds the URL under a public URL with %s', (_name, publicUrl, expected) => {
    expect(unsubscribeUrl(publicUrl, 'T')).toBe(expected);
  });

  it.each([
    ['a mailto that is not an address', { mailto: 'unsubscribe@example.com>, <https://evil.example' }],
    ['a mailto with a query', { mailto: 'unsubscribe@example.com?subject=x' }],
    ['a public URL that is not http(s)', { publicUrl: 'ftp://hub.example.com' }],
    ['a public URL with a query', { publicUrl: 'https://hub.example.com/?a=b' }],
    ['an empty address', { address: ' ' }],
    ['an address that is not an email', { address: '+33612345678' }],
    ['an empty message id', { messageId: '' }],
  ])('refuses %s', (_name, change) => {
    expect(() => buildUnsubscribeHeaders({ ...base, ...change })).toThrow();
  });
});

describe('unsubscribe pages', () => {
  it.each([
    ['camille.martin@example.fr', 'c•••••••••••••@example.fr'],
    ['ab@example.fr', 'a••@example.fr'],
    ['+33612345678', '+33•••••••78'],
    ['1234', '••••'],
  ])('masks %s as %s', (address, masked) => {
    expect(maskAddress(address)).toBe(masked);
  });

  it('confirms with a form that POSTs the RFC 8058 field to the same link', () => {
    const html = renderUnsubscribePage({ kind: 'confirm', address: 'camille.martin@example.fr', token: 'AbC-_9' });
    expect(html).toContain('<form method="post" action="AbC-_9">');
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toContain('c•••••••••••••@example.fr');
    expect(html).not.toContain('camille');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('escapes what it shows', () => {
    const html = renderUnsubscribePage({ kind: 'confirm', address: 'x@<b>example.fr', token: '"><script>' });
    expect(html).toContain('x••@&lt;b&gt;example.fr');
    expect(html).toContain('action="&quot;&gt;&lt;script&gt;"');
    expect(html).not.toMatch(/<b>|<script/);
  });
});
