/**
 * Message templates: `{{ contact.firstName | default: "client" }}`, a small subset of Liquid's output
 * syntax, rendered strictly. Pure: no I/O.
 *
 * Grammar: text with `{{ path | filter: arg | filter }}` tags. A path is dot-separated keys
 * (`event.data.orderId`, `event.data.lines.0.name`); keys are letters, digits, `_` and `-`.
 * Filters: `default: "text"` (or a number), `upcase`, `downcase`, `capitalize`. Strings take single
 * or double quotes. There is no `{% %}` logic: a marketing SMS is one short text, and conditions
 * belong to the automation scenario, where they are visible and tested.
 *
 * Why hand-written rather than LiquidJS with `strictVariables`: strict Liquid engines throw on an
 * undefined variable even when it carries a `default` filter (Shopify/liquid#1404, Liqp#104), so
 * "strict, with defaults" cannot be had from them. Here two cases are told apart:
 * - unknown variable: the path does not exist in the context at all (a typo, `contact.fistName`, or
 *   an event field the event does not have). Always an error, naming the path and what exists there.
 * - missing value: the path is known but empty for this recipient (`contact.firstName` is null or "").
 *   The `default` is used; without one it is an error, so "Bonjour ," never leaves.
 */

export type TemplateIssueKind = 'syntax' | 'unknown_variable' | 'missing_value' | 'unknown_filter' | 'not_text';

export interface TemplateIssue {
  kind: TemplateIssueKind;
  /** The variable path, when the issue is about one. */
  variable?: string;
  /** Offset of the tag in the template (0-based, UTF-16 units). */
  offset: number;
  message: string;
}

export class TemplateError extends Error {
  readonly issues: TemplateIssue[];

  constructor(issues: TemplateIssue[]) {
    super(issues.map((issue) => issue.message).join('; '));
    this.name = 'TemplateError';
    this.issues = issues;
  }
}

type Filter = { name: 'default'; arg: string } | { name: 'upcase' | 'downcase' | 'capitalize' };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'tag'; path: string[]; filters: Filter[]; offset: number; source: string }
  | { kind: 'link'; url: string; offset: number; source: string };

export interface ParsedTemplate {
  readonly source: string;
  readonly nodes: readonly Node[];
  /** Distinct variable paths, in order of first use. */
  readonly variables: readonly string[];
  /** The URLs of `{{ link "…" }}` tags, in order. */
  readonly links: readonly string[];
}

const KEY = /^[A-Za-z0-9_-]+$/;
const ARG_FILTERS = new Set(['default']);
const PLAIN_FILTERS = new Set(['upcase', 'downcase', 'capitalize']);

/** `{{ link "https://…" }}`: a tracked link (src/sending/links). */
const LINK_TAG = /^\s*link(?:\s+(.*?))?\s*$/s;
/** A URL a recipient's phone opens: http(s), a host, no spaces, no credentials. */
export function linkTargetProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not an absolute URL (write it as "https://shop.example/offer")`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `"${url}" is not an http(s) URL`;
  if (parsed.username !== '' || parsed.password !== '') return `"${url}" holds credentials; remove them`;
  if (/\s/.test(url)) return `"${url}" contains spaces`;
  if (url.length > 2_000) return 'the URL is longer than 2000 characters';
  return undefined;
}

function parseLink(inner: string, offset: number, issues: TemplateIssue[]): Node | undefined {
  const source = `{{${inner}}}`;
  const arg = LINK_TAG.exec(inner)?.[1];
  const quoted = arg === undefined ? undefined : /^(["'])(.*)\1$/s.exec(arg);
  if (!quoted) {
    issues.push({ kind: 'syntax', offset, message: `${source} at ${offset}: a tracked link is written {{ link "https://shop.example/offer" }} (the URL in quotes)` });
    return undefined;
  }
  const problem = linkTargetProblem(quoted[2]!);
  if (problem !== undefined) {
    issues.push({ kind: 'syntax', offset, message: `${source} at ${offset}: ${problem}` });
    return undefined;
  }
  return { kind: 'link', url: quoted[2]!, offset, source };
}

function parseTag(inner: string, offset: number, issues: TemplateIssue[]): Node | undefined {
  const source = `{{${inner}}}`;
  const syntax = (message: string) => {
    issues.push({ kind: 'syntax', offset, message: `${source} at ${offset}: ${message}` });
    return undefined;
  };
  if (/^\s*link(\s|$)/.test(inner)) return parseLink(inner, offset, issues);
  // Split on | outside quotes.
  const pieces: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const char of inner) {
    if (quote) {
      if (char === quote) quote = undefined;
      current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      current += char;
    } else if (char === '|') {
      pieces.push(current);
      current = '';
    } else current += char;
  }
  if (quote) return syntax(`unclosed ${quote} quote`);
  pieces.push(current);
  const pathText = pieces[0]!.trim();
  if (pathText === '') return syntax('empty tag: write a variable such as {{ contact.firstName }}');
  const path = pathText.split('.');
  if (path.some((key) => !KEY.test(key))) {
    return syntax(`"${pathText}" is not a variable path: use dot-separated names such as contact.firstName or event.data.orderId`);
  }
  const filters: Filter[] = [];
  for (const piece of pieces.slice(1)) {
    const match = /^\s*([A-Za-z_]+)\s*(?::\s*(.*?))?\s*$/s.exec(piece);
    if (!match) return syntax(`"${piece.trim()}" is not a filter (expected e.g. default: "client")`);
    const name = match[1]!;
    const rawArg = match[2];
    if (ARG_FILTERS.has(name)) {
      if (rawArg === undefined || rawArg === '') return syntax(`the ${name} filter needs a value: ${name}: "client"`);
      const quoted = /^(["'])(.*)\1$/s.exec(rawArg);
      if (quoted) filters.push({ name: 'default', arg: quoted[2]! });
      else if (/^-?\d+(?:\.\d+)?$/.test(rawArg)) filters.push({ name: 'default', arg: rawArg });
      else return syntax(`the value of ${name} must be quoted ("client") or a number, got ${rawArg}`);
    } else if (PLAIN_FILTERS.has(name)) {
      if (rawArg !== undefined) return syntax(`the ${name} filter takes no value`);
      filters.push({ name: name as 'upcase' | 'downcase' | 'capitalize' });
    } else {
      issues.push({ kind: 'unknown_filter', offset, message: `${source} at ${offset}: unknown filter "${name}"; available: default, upcase, downcase, capitalize` });
      return undefined;
    }
  }
  return { kind: 'tag', path, filters, offset, source };
}

/** Parses a template; throws a `TemplateError` listing every syntax problem. */
export function parseTemplate(source: string): ParsedTemplate {
  const nodes: Node[] = [];
  const issues: TemplateIssue[] = [];
  let position = 0;
  while (position < source.length) {
    const open = source.indexOf('{{', position);
    if (open === -1) {
      nodes.push({ kind: 'text', text: source.slice(position) });
      break;
    }
    if (open > position) nodes.push({ kind: 'text', text: source.slice(position, open) });
    const close = source.indexOf('}}', open + 2);
    if (close === -1) {
      issues.push({ kind: 'syntax', offset: open, message: `"{{" at ${open} is never closed with "}}"` });
      break;
    }
    const node = parseTag(source.slice(open + 2, close), open, issues);
    if (node) nodes.push(node);
    position = close + 2;
  }
  if (issues.length > 0) throw new TemplateError(issues);
  const variables = [...new Set(nodes.flatMap((node) => (node.kind === 'tag' ? [node.path.join('.')] : [])))];
  const links = nodes.flatMap((node) => (node.kind === 'link' ? [node.url] : []));
  return { source, nodes, variables, links };
}

/** The variables a template can read: plain JSON, where null means "known but empty". */
export type TemplateContext = Record<string, unknown>;

type Lookup = { found: true; value: unknown } | { found: false; at: string; available: string[] };

function lookup(context: TemplateContext, path: readonly string[]): Lookup {
  let value: unknown = context;
  for (let index = 0; index < path.length; index++) {
    const key = path[index]!;
    const where = path.slice(0, index).join('.');
    if (value === null || value === undefined) return { found: true, value: undefined };
    if (typeof value !== 'object' || !Object.hasOwn(value, key)) {
      const available = typeof value === 'object' ? Object.keys(value) : [];
      return { found: false, at: where, available };
    }
    value = (value as Record<string, unknown>)[key];
  }
  return { found: true, value };
}

/** "available: contact.id, contact.firstName, …": what exists where a variable was not found. */
export function describeAvailable(at: string, keys: string[]): string {
  if (keys.length === 0) return at === '' ? 'no variables are available here' : `${at} has no fields here`;
  const shown = keys.slice(0, 20).map((key) => (at === '' ? key : `${at}.${key}`));
  return `available: ${shown.join(', ')}${keys.length > 20 ? ', …' : ''}`;
}

function capitalize(text: string): string {
  const [first = '', ...rest] = text;
  return first.toLocaleUpperCase('fr') + rest.join('');
}

export interface RenderOptions {
  /** Escape values for HTML (email bodies). Text around the tags is the template author's and is kept. */
  escape?: 'html';
  /** Previews without a recipient: what to show for a missing value that has no default (instead of an error). */
  onMissing?: (variable: string) => string;
  /**
   * The text a `{{ link "…" }}` tag becomes: the short tracked URL made for this recipient. Without
   * it the tag renders as its target URL.
   */
  link?: (url: string) => string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Renders with `context`; throws a `TemplateError` listing every unknown variable and missing value. */
export function renderTemplate(template: ParsedTemplate, context: TemplateContext, options: RenderOptions = {}): string {
  const issues: TemplateIssue[] = [];
  let out = '';
  for (const node of template.nodes) {
    if (node.kind === 'text') {
      out += node.text;
      continue;
    }
    if (node.kind === 'link') {
      const url = options.link ? options.link(node.url) : node.url;
      out += options.escape === 'html' ? url.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!) : url;
      continue;
    }
    const variable = node.path.join('.');
    const found = lookup(context, node.path);
    const fallback = node.filters.find((filter) => filter.name === 'default');
    let text: string | undefined;
    if (!found.found) {
      issues.push({
        kind: 'unknown_variable',
        variable,
        offset: node.offset,
        message: `unknown variable "${variable}" in ${node.source}: ${describeAvailable(found.at, found.available)}`,
      });
      continue;
    }
    const value = found.value;
    if (value === null || value === undefined || value === '') {
      if (fallback === undefined && options.onMissing) text = options.onMissing(variable);
      else if (fallback === undefined) {
        issues.push({
          kind: 'missing_value',
          variable,
          offset: node.offset,
          message: `"${variable}" has no value for this recipient; give a default: {{ ${variable} | default: "…" }}`,
        });
        continue;
      } else text = fallback.arg;
    } else if (typeof value === 'string') text = value;
    else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
    else {
      issues.push({
        kind: 'not_text',
        variable,
        offset: node.offset,
        message: `"${variable}" is ${Array.isArray(value) ? 'a list' : 'an object'}, not text: name one of its fields (${describeAvailable(variable, Object.keys(value))})`,
      });
      continue;
    }
    for (const filter of node.filters) {
      if (filter.name === 'upcase') text = text.toLocaleUpperCase('fr');
      else if (filter.name === 'downcase') text = text.toLocaleLowerCase('fr');
      else if (filter.name === 'capitalize') text = capitalize(text);
    }
    out += options.escape === 'html' ? text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!) : text;
  }
  if (issues.length > 0) throw new TemplateError(issues);
  return out;
}

/** Parse and render in one step. */
export function render(source: string, context: TemplateContext, options: RenderOptions = {}): string {
  return renderTemplate(parseTemplate(source), context, options);
}
