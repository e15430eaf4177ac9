import { describe, expect, it } from 'vitest';
import { parseSmppTime } from './smpp-time.ts';

const now = new Date('2026-11-23T10:00:00.000Z');

describe('parseSmppTime (SMPP 3.4 §7.1.1)', () => {
  it.each([
    ['', undefined],
    // Adobe Campaign's validity_period form: absolute UTC, "00+".
    ['261124153000000+', '2026-11-24T15:30:00.000Z'],
    // Local time one hour ahead of UTC (4 quarter hours).
    ['261124163000004+', '2026-11-24T15:30:00.000Z'],
    ['261124143000004-', '2026-11-24T15:30:00.000Z'],
    ['261124153000500+', '2026-11-24T15:30:00.500Z'],
    // Relative: 1 day 2 hours 3 minutes 4 seconds from now.
    ['000001020304000R', '2026-11-24T12:03:04.000Z'],
  ])('%j → %s', (value, expected) => {
    const result = parseSmppTime(value, now);
    expect(result.ok && result.at?.toISOString()).toBe(expected ?? undefined);
  });

  it.each(['2611241530', '261324153000000+', '261131153000000+', '261124253000000+', '261124153000099+', '26112415300000+X'])('refuses %j', (value) => {
    expect(parseSmppTime(value, now).ok).toBe(false);
  });
});
