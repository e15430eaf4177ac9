import { describe, expect, it } from 'vitest';
import { parseTemplate, render, TemplateError, type TemplateIssueKind } from './template.ts';

const context = {
  contact: { firstName: 'Camille', lastName: null, email: '', attributes: { tier: 'gold', points: 120, vip: true, address: { city: 'Lyon' } } },
  event: { data: { orderId: '1234', lines: [{ name: 'Crème' }], total: { amount: 59.9 } } },
  message: { id: 'AbC123xyz0' },
};

function issuesOf(source: string, ctx: Record<string, unknown> = context): { kind: TemplateIssueKind; variable?: string; message: string }[] {
  try {
    render(source, ctx);
  } catch (error) {
    if (error instanceof TemplateError) return error.issues;
    throw error;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('template rendering', () => {
  it.each([
    ['plain text', 'Votre commande est prête', 'Votre commande est prête'],
    ['a contact field', 'Bonjour {{contact.firstName}} !', 'Bonjour Camille !'],
    ['spaces inside the tag', 'Bonjour {{   contact.firstName   }}', 'Bonjour Camille'],
    ['event data', 'Commande {{ event.data.orderId }}', 'Commande 1234'],
    ['a list index', '{{ event.data.lines.0.name }}', 'Crème'],
    ['a number', '{{ event.data.total.amount }} €', '59.9 €'],
    ['a boolean', '{{ contact.attributes.vip }}', 'true'],
    ['default on null', 'Bonjour {{ contact.lastName | default: "client" }}', 'Bonjour client'],
    ['default on empty string', '{{ contact.email | default: \'aucun\' }}', 'aucun'],
    ['default is ignored when there is a value', '{{ contact.firstName | default: "client" }}', 'Camille'],
    ['a numeric default', '{{ contact.lastName | default: 0 }}', '0'],
    ['a default containing a pipe', '{{ contact.lastName | default: "a | b" }}', 'a | b'],
    ['upcase', '{{ contact.firstName | upcase }}', 'CAMILLE'],
    ['capitalize after default', '{{ contact.lastName | default: "client" | capitalize }}', 'Client'],
    ['a single brace is text', 'Prix {en promo}', 'Prix {en promo}'],
  ])('%s', (_name, source, expected) => {
    expect(render(source, context)).toBe(expected);
  });

  it('escapes values (not the template) for HTML', () => {
    expect(render('<b>{{ contact.attributes.tier }}</b> {{ event.data.orderId }}', { ...context, contact: { attributes: { tier: '<script>&' } } }, { escape: 'html' })).toBe(
      '<b>&lt;script&gt;&amp;</b> 1234',
    );
  });

  it('lists the variables it uses', () => {
    expect(parseTemplate('{{ a.b }} {{ c }} {{ a.b | upcase }}').variables).toEqual(['a.b', 'c']);
  });

  it.each([
    ['a typo in a contact field', '{{ contact.fistName }}', 'unknown_variable', 'contact.fistName', /available: contact\.firstName, contact\.lastName/],
    ['an unknown root', '{{ client.name }}', 'unknown_variable', 'client.name', /available: contact, event, message/],
    ['a missing event field', '{{ event.data.coupon }}', 'unknown_variable', 'event.data.coupon', /event\.data\.orderId/],
    ['an unknown variable even with a default', '{{ contact.fistName | default: "x" }}', 'unknown_variable', 'contact.fistName', /unknown variable/],
    ['an empty value without default', 'Bonjour {{ contact.lastName }}', 'missing_value', 'contact.lastName', /give a default: \{\{ contact\.lastName \| default: "…" \}\}/],
    ['an object', '{{ contact.attributes.address }}', 'not_text', 'contact.attributes.address', /contact\.attributes\.address\.city/],
  ])('refuses %s, naming the variable', (_name, source, kind, variable, message) => {
    const [issue] = issuesOf(source);
    expect(issue).toMatchObject({ kind, variable });
    expect(issue!.message).toMatch(message);
  });

  it('reports every problem at once', () => {
    expect(issuesOf('{{ contact.fistName }} {{ event.data.nope }}').map((issue) => issue.variable)).toEqual(['contact.fistName', 'event.data.nope']);
  });

  it.each([
    ['an unclosed tag', 'Bonjour {{ contact.firstName', /never closed/],
    ['an empty tag', 'Bonjour {{ }}', /empty tag/],
    ['a bad path', '{{ contact..firstName }}', /not a variable path/],
    ['an unquoted default', '{{ contact.lastName | default: client }}', /must be quoted/],
    ['a default without value', '{{ contact.lastName | default }}', /needs a value/],
    ['an unclosed quote', '{{ contact.lastName | default: "client }}', /unclosed " quote/],
  ])('refuses %s as a syntax error', (_name, source, message) => {
    const [issue] = issuesOf(source);
    expect(issue).toMatchObject({ kind: 'syntax' });
    expect(issue!.message).toMatch(message);
  });

  it('refuses an unknown filter, naming the ones that exist', () => {
    const [issue] = issuesOf('{{ contact.firstName | money }}');
    expect(issue).toMatchObject({ kind: 'unknown_filter' });
    expect(issue!.message).toMatch(/"money".*default, upcase, downcase, capitalize/);
  });

  it('shows a placeholder for missing values when asked (previews)', () => {
    expect(render('Bonjour {{ contact.lastName }}', context, { onMissing: (variable) => `[${variable}]` })).toBe('Bonjour [contact.lastName]');
  });

  it('renders {{ link "…" }} through the link option, and as its URL without it', () => {
    const template = parseTemplate('Soldes : {{ link "https://shop.example/a?b=1&c=2" }} !');
    expect(template.links).toEqual(['https://shop.example/a?b=1&c=2']);
    expect(template.variables).toEqual([]);
    expect(render(template.source, context)).toBe('Soldes : https://shop.example/a?b=1&c=2 !');
    expect(render(template.source, context, { link: (url) => `https://s.example/l/${url.length}` })).toBe('Soldes : https://s.example/l/30 !');
    expect(render('<a href="{{ link \'https://x.example/?a=1&b=2\' }}">', context, { escape: 'html' })).toBe('<a href="https://x.example/?a=1&amp;b=2">');
  });

  it.each([
    ['no URL', '{{ link }}', /the URL in quotes/],
    ['an unquoted URL', '{{ link https://x.example }}', /the URL in quotes/],
    ['a relative URL', '{{ link "/soldes" }}', /not an absolute URL/],
    ['another scheme', '{{ link "javascript:alert(1)" }}', /not an http\(s\) URL/],
    ['credentials', '{{ link "https://user:pw@x.example/" }}', /credentials/],
  ])('refuses a tracked link with %s', (_name, source, message) => {
    const [issue] = issuesOf(source);
    expect(issue).toMatchObject({ kind: 'syntax' });
    expect(issue!.message).toMatch(message);
  });
});
