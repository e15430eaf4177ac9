/**
 * What PostgreSQL cannot store, found once at the edge. `text` and `jsonb` refuse U+0000 (NUL), and
 * a lone UTF-16 surrogate has no UTF-8 form ("invalid byte sequence" or "unsupported Unicode escape").
 * Left in, such a string fails the statement that writes it: a 500 for the sender and, in a group
 * commit, for everyone batched with it. JSON nested thousands of levels deep overflows the stack of
 * any recursive consumer (validation, serialization), so depth is bounded here too.
 */

/** Deeper than any document the API defines (scenario trees included); far below what overflows a stack. */
export const MAX_JSON_DEPTH = 64;

export interface InputIssue {
  path: string;
  message: string;
}

/** Why PostgreSQL would refuse `text`, or undefined when it stores it. */
export function unstorableReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (!text.isWellFormed()) return 'contains a lone UTF-16 surrogate (invalid Unicode), which cannot be stored';
  return undefined;
}

/** `text` with NUL removed and lone surrogates replaced by U+FFFD: for data an external system already sent. */
export function toStorableText(text: string): string {
  return text.replaceAll('\u0000', '').toWellFormed();
}

const childPath = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`);

/** At most this many issues are listed: one bad field is enough to refuse, a thousand would bloat the answer. */
const MAX_ISSUES = 20;

/**
 * Every string and key of `value` PostgreSQL cannot store, every nesting deeper than `maxDepth`, and
 * prototype-poisoning keys (`__proto__`, `constructor.prototype`, as Fastify's own JSON parser refuses),
 * each with its path under `root` (`body.data.name`, `params.id`). Iterative: depth cannot overflow it.
 */
export function findInputIssues(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): InputIssue[] {
  const issues: InputIssue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const reason = unstorableReason(current);
      if (reason) issues.push({ path, message: reason });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) {
      issues.push({ path, message: `nested deeper than ${maxDepth} levels` });
      continue;
    }
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) stack.push({ value: current[index], path: childPath(path, index), depth: depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(current).reverse()) {
      const keyReason = unstorableReason(key);
      if (keyReason) issues.push({ path: childPath(path, JSON.stringify(key)), message: `the key ${keyReason}` });
      else if (key === '__proto__' || (key === 'constructor' && child !== null && typeof child === 'object' && 'prototype' in child)) {
        issues.push({ path: childPath(path, key), message: 'is a reserved key (prototype poisoning)' });
      } else stack.push({ value: child, path: childPath(path, key), depth: depth + 1 });
    }
  }
  return issues;
}

/**
 * A copy of parsed JSON with every string and key made storable (`toStorableText`). For payloads an
 * external system signed and will not send again: refusing them would lose the data, so the few
 * unstorable characters are dropped instead. Iterative, and strings without a problem are kept as is.
 */
export function toStorableJson(value: unknown): unknown {
  const root: { value: unknown } = { value: undefined };
  const stack: { source: unknown; assign: (made: unknown) => void }[] = [{ source: value, assign: (made) => (root.value = made) }];
  while (stack.length > 0) {
    const { source, assign } = stack.pop()!;
    if (typeof source === 'string') assign(unstorableReason(source) ? toStorableText(source) : source);
    else if (Array.isArray(source)) {
      const copy: unknown[] = new Array(source.length);
      assign(copy);
      source.forEach((item, index) => stack.push({ source: item, assign: (made) => (copy[index] = made) }));
    } else if (source !== null && typeof source === 'object') {
      const copy: Record<string, unknown> = {};
      assign(copy);
      for (const [key, item] of Object.entries(source)) {
        const storableKey = unstorableReason(key) ? toStorableText(key) : key;
        // defineProperty: a `__proto__` key stays a plain key instead of replacing the copy's prototype.
        stack.push({ source: item, assign: (made) => Object.defineProperty(copy, storableKey, { value: made, enumerable: true, writable: true, configurable: true }) });
      }
    } else assign(source);
  }
  return root.value;
}

/** Escapes in JSON text that may decode to NUL or a surrogate: only such bodies need parsing to be cleaned. */
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/**
 * A raw request body made storable: literal NUL and lone surrogates replaced; when it is JSON whose
 * escapes decode to them (`"\u0000"`), the JSON is re-serialized clean. Text that is not JSON is only
 * cleaned of the literal characters (the connector decides what it means).
 */
export function toStorableBody(body: string): string {
  const text = unstorableReason(body) ? toStorableText(body) : body;
  if (!SUSPECT_ESCAPE.test(text)) return text;
  try {
    return JSON.stringify(toStorableJson(JSON.parse(text)));
  } catch {
    // Not JSON (or nested too deep to serialize again): the connector reads it as the text it is.
    return text;
  }
}
