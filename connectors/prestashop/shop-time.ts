/** PrestaShop stores dates as "YYYY-MM-DD HH:MM:SS" in the shop's time zone (PS_TIMEZONE); the hub speaks UTC. */

const LOCAL = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** The offset of `timeZone` at `utcMs`, in ms (positive east of UTC). */
function offsetMs(timeZone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - utcMs;
}

/** "2024-03-05 10:30:00" in Europe/Paris → "2024-03-05T09:30:00.000Z"; undefined for PrestaShop's empty date "0000-00-00 00:00:00". */
export function shopTimeToIso(local: string | undefined | null, timeZone: string): string | undefined {
  const match = local ? LOCAL.exec(local) : null;
  if (!match || match[1] === '0000') return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  let zone = timeZone;
  try {
    offsetMs(zone, asUtc);
  } catch {
    zone = 'UTC';
  }
  // Two passes settle the offset across a DST change.
  const first = asUtc - offsetMs(zone, asUtc);
  return new Date(asUtc - offsetMs(zone, first)).toISOString();
}
