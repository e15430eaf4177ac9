/** Reading WordPress meta values, which plugins store as strings, numbers or lists of objects. */

export const metaList = (value: unknown): Record<string, unknown>[] =>
  (Array.isArray(value) ? value : []).filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null);

export const metaText = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined);
