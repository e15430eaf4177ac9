/**
 * Durations in scenarios, as marketers write them: "7d" (J+7), "24h", "30m", "90s", or combined
 * "1d12h". Days are 24 hours of elapsed time, not calendar days: a "7d" wait started at 10:00 the
 * Saturday before the switch to summer time ends at 11:00 local time. Waits that must land on a
 * local time of day use `untilDate` with `at`, or `window`.
 */
import { z } from 'zod';

const DURATION = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$/;
const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1_000] as const;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  return UNIT_MS.reduce((total, unit, index) => total + Number(match[index + 1] ?? 0) * unit, 0);
}

/** A signed duration ("-1d", "+2h", "3h"): offsets around a date. */
export function parseOffset(text: string): number | undefined {
  const trimmed = text.trim();
  const sign = trimmed.startsWith('-') ? -1 : 1;
  const ms = parseDuration(trimmed.replace(/^[+-]/, ''));
  return ms === undefined ? undefined : sign * ms;
}

const DURATION_HELP = 'a duration such as "7d" (J+7), "24h", "30m", "90s" or "1d12h"';

export const DurationSchema = z
  .string({ error: (issue) => (issue.input === undefined ? `missing: give ${DURATION_HELP}` : `expected ${DURATION_HELP}`) })
  .refine((text) => parseDuration(text) !== undefined, { error: (issue) => `"${String(issue.input)}" is not ${DURATION_HELP}` })
  .refine((text) => (parseDuration(text) ?? 0) > 0, { error: 'a duration must be longer than 0' })
  .refine((text) => (parseDuration(text) ?? 0) <= 5 * 366 * 86_400_000, { error: 'at most 5 years' });

export const OffsetSchema = z
  .string()
  .refine((text) => parseOffset(text) !== undefined, { error: (issue) => `"${String(issue.input)}" is not an offset such as "-1d", "+2h" or "0s"` });

/** "7d" → 604800000; only for values the schema accepted. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new RangeError(`not a duration: ${text}`);
  return ms;
}

export function offsetMs(text: string): number {
  const ms = parseOffset(text);
  if (ms === undefined) throw new RangeError(`not an offset: ${text}`);
  return ms;
}
