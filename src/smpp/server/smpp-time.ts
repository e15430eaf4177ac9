/**
 * SMPP 3.4 §7.1.1 time fields: "YYMMDDhhmmsstnnp", t tenths of a second, nn the offset from UTC in
 * quarter hours, p "+" (local time ahead of UTC), "-" (behind) or "R" (relative to now: YY years,
 * MM months, DD days, hh:mm:ss). Empty means "not given". Pure.
 */
export type SmppTimeResult = { ok: true; at: Date | undefined } | { ok: false; message: string };

export function parseSmppTime(value: string, now: Date): SmppTimeResult {
  if (value === '') return { ok: true, at: undefined };
  const match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/.exec(value);
  if (!match) return { ok: false, message: `"${value}" is not YYMMDDhhmmsstnnp` };
  const [yy, mm, dd, hh, mi, ss, t, nn] = match.slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  const sign = match[9]!;
  if (sign === 'R') {
    const at = new Date(now.getTime());
    at.setUTCFullYear(at.getUTCFullYear() + yy, at.getUTCMonth() + mm, at.getUTCDate() + dd);
    at.setTime(at.getTime() + ((hh * 60 + mi) * 60 + ss) * 1000);
    return { ok: true, at };
  }
  if (mm < 1 || mm > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59 || nn > 48) {
    return { ok: false, message: `"${value}" holds an impossible date, time or offset` };
  }
  const local = Date.UTC(2000 + yy, mm - 1, dd, hh, mi, ss, t * 100);
  if (new Date(local).getUTCDate() !== dd) return { ok: false, message: `"${value}" holds an impossible date` };
  const offsetMs = nn * 15 * 60_000 * (sign === '+' ? 1 : -1);
  return { ok: true, at: new Date(local - offsetMs) };
}
