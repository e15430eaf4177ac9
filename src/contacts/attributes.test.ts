import { describe, expect, it } from 'vitest';
import { mergeAttributes } from './attributes.ts';
import { ContactInputError } from './errors.ts';
import { MAX_ATTRIBUTES, type JsonValue } from './schemas.ts';

type Case = { current: Record<string, JsonValue>; patch: Record<string, JsonValue> | undefined; expected: Record<string, JsonValue> };

describe('mergeAttributes', () => {
  it.each<Case>([
    { current: { a: 1 }, patch: undefined, expected: { a: 1 } },
    { current: { a: 1 }, patch: {}, expected: { a: 1 } },
    { current: { a: 1 }, patch: { b: 'x' }, expected: { a: 1, b: 'x' } },
    { current: { a: 1, b: 2 }, patch: { a: { nested: true } }, expected: { a: { nested: true }, b: 2 } },
    { current: { a: 1, b: 2 }, patch: { a: null }, expected: { b: 2 } },
    { current: {}, patch: { gone: null }, expected: {} },
  ])('$current + $patch → $expected', ({ current, patch, expected }) => {
    expect(mergeAttributes(current, patch)).toEqual(expected);
  });

  it('refuses a merge that would hold too many keys, naming the field', () => {
    const current = Object.fromEntries(Array.from({ length: MAX_ATTRIBUTES }, (_, index) => [`k${index}`, index]));
    const error = (() => {
      try {
        mergeAttributes(current, { one: 'more' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ContactInputError);
    expect((error as ContactInputError).issues[0]).toMatchObject({ path: 'attributes' });
  });
});
