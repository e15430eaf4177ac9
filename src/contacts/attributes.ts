import { ContactInputError } from './errors.ts';
import { MAX_ATTRIBUTES, MAX_ATTRIBUTES_BYTES, type JsonValue } from './schemas.ts';

/** Merge patch on the top level: each key replaces, null removes; the result is bounded. */
export function mergeAttributes(current: Record<string, JsonValue>, patch: Record<string, JsonValue> | undefined): Record<string, JsonValue> {
  if (patch === undefined) return current;
  const merged: Record<string, JsonValue> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const keys = Object.keys(merged).length;
  const bytes = Buffer.byteLength(JSON.stringify(merged));
  if (keys > MAX_ATTRIBUTES || bytes > MAX_ATTRIBUTES_BYTES) {
    throw new ContactInputError([{ path: 'attributes', message: `the merged attributes would hold ${keys} keys and ${bytes} bytes; at most ${MAX_ATTRIBUTES} keys and ${MAX_ATTRIBUTES_BYTES} bytes` }]);
  }
  return merged;
}
