import { describe, expect, it } from 'vitest';
import { ComplianceDecision, complianceDecision } from './compliance-decision.ts';
import type { ComplianceInput } from './compliance-decision.ts';
import { DEFAULT_QUIET_HOURS_POLICY, QuietHoursPolicy } from './quiet-hours.ts';

const SATURDAY_1959 = '2026-06-13T17:59:00Z'; // Europe/Paris, CEST
const SATURDAY_2000 = '2026-06-13T18:00:00Z';
const SUNDAY_0300 = '2026-06-14T01:00:00Z';
const MONDAY_0800 = '2026-06-15T06:00:00Z';

const base: ComplianceInput = {
  category: 'marketing',
  channel: 'sms',
  consent: 'granted',
  optedOut: false,
  now: new Date(SATURDAY_1959),
  timeZone: 'Europe/Paris',
  policy: DEFAULT_QUIET_HOURS_POLICY,
};

type Expected =
  | { kind: 'send'; at: string }
  | { kind: 'defer'; until: string; reason: 'quiet_hours' }
  | { kind: 'block'; reason: 'opted_out' | 'no_consent' };

const cases: Array<{ name: string; input: Partial<ComplianceInput> & { now?: Date }; expected: Expected }> = [
  // Marketing SMS
  { name: 'marketing sms, consent, in the window → send now', input: {}, expected: { kind: 'send', at: SATURDAY_1959 } },
  { name: 'marketing sms, consent, Saturday 20:00 → defer to Monday 08:00', input: { now: new Date(SATURDAY_2000) }, expected: { kind: 'defer', until: MONDAY_0800, reason: 'quiet_hours' } },
  { name: 'marketing sms, consent, Sunday night → defer', input: { now: new Date(SUNDAY_0300) }, expected: { kind: 'defer', until: MONDAY_0800, reason: 'quiet_hours' } },
  { name: 'marketing sms, quiet hours disabled, Sunday night → send', input: { now: new Date(SUNDAY_0300), policy: QuietHoursPolicy.parse({ enabled: false }) }, expected: { kind: 'send', at: SUNDAY_0300 } },
  { name: 'marketing sms, contact in Martinique at 19:30 local (Sunday in Paris) → send', input: { now: new Date('2026-06-13T23:30:00Z'), timeZone: 'America/Martinique' }, expected: { kind: 'send', at: '2026-06-13T23:30:00Z' } },
  { name: 'marketing sms, opted out → block', input: { optedOut: true }, expected: { kind: 'block', reason: 'opted_out' } },
  { name: 'marketing sms, opted out, consent withdrawn → opted_out wins', input: { optedOut: true, consent: 'withdrawn' }, expected: { kind: 'block', reason: 'opted_out' } },
  { name: 'marketing sms, opted out, in quiet hours → block, not defer', input: { optedOut: true, now: new Date(SUNDAY_0300) }, expected: { kind: 'block', reason: 'opted_out' } },
  { name: 'marketing sms, consent withdrawn → block', input: { consent: 'withdrawn' }, expected: { kind: 'block', reason: 'no_consent' } },
  { name: 'marketing sms, consent unknown → block', input: { consent: 'unknown' }, expected: { kind: 'block', reason: 'no_consent' } },
  { name: 'marketing sms, consent unknown, in quiet hours → block, not defer', input: { consent: 'unknown', now: new Date(SUNDAY_0300) }, expected: { kind: 'block', reason: 'no_consent' } },
  // Marketing email
  { name: 'marketing email, consent, Sunday night → send (no quiet hours for email)', input: { channel: 'email', now: new Date(SUNDAY_0300) }, expected: { kind: 'send', at: SUNDAY_0300 } },
  { name: 'marketing email, opted out → block', input: { channel: 'email', optedOut: true }, expected: { kind: 'block', reason: 'opted_out' } },
  { name: 'marketing email, consent unknown → block', input: { channel: 'email', consent: 'unknown' }, expected: { kind: 'block', reason: 'no_consent' } },
  { name: 'marketing email, invalid zone is not read → send', input: { channel: 'email', timeZone: 'Nowhere/City' }, expected: { kind: 'send', at: SATURDAY_1959 } },
  // Transactional
  { name: 'transactional sms, Sunday night → send now', input: { category: 'transactional', now: new Date(SUNDAY_0300) }, expected: { kind: 'send', at: SUNDAY_0300 } },
  { name: 'transactional sms, opted out of marketing → send', input: { category: 'transactional', optedOut: true }, expected: { kind: 'send', at: SATURDAY_1959 } },
  { name: 'transactional sms, consent withdrawn, opted out, Sunday → send', input: { category: 'transactional', consent: 'withdrawn', optedOut: true, now: new Date(SUNDAY_0300) }, expected: { kind: 'send', at: SUNDAY_0300 } },
  { name: 'transactional sms, consent unknown → send', input: { category: 'transactional', consent: 'unknown' }, expected: { kind: 'send', at: SATURDAY_1959 } },
  { name: 'transactional email, opted out → send', input: { category: 'transactional', channel: 'email', optedOut: true }, expected: { kind: 'send', at: SATURDAY_1959 } },
];

describe('complianceDecision', () => {
  it.each(cases)('$name', ({ input, expected }) => {
    const decision = complianceDecision({ ...base, ...input });
    expect(ComplianceDecision.parse(decision)).toEqual(decision);
    const shown =
      decision.kind === 'send'
        ? { ...decision, at: decision.at.toISOString() }
        : decision.kind === 'defer'
          ? { ...decision, until: decision.until.toISOString() }
          : decision;
    expect(shown).toEqual({
      ...expected,
      ...('at' in expected ? { at: new Date(expected.at).toISOString() } : {}),
      ...('until' in expected ? { until: new Date(expected.until).toISOString() } : {}),
    });
  });

  it('refuses an invalid contact time zone for marketing SMS', () => {
    expect(() => complianceDecision({ ...base, timeZone: 'Europe/Pariss' })).toThrow('Unknown time zone "Europe/Pariss"');
  });

  it('refuses an invalid now', () => {
    expect(() => complianceDecision({ ...base, now: new Date(Number.NaN) })).toThrow('now is an invalid Date');
  });

  it('does not hand back the caller’s Date object', () => {
    const now = new Date(SATURDAY_1959);
    const decision = complianceDecision({ ...base, now });
    if (decision.kind !== 'send') throw new Error(`expected send, got ${decision.kind}`);
    expect(decision.at).not.toBe(now);
    expect(decision.at.getTime()).toBe(now.getTime());
  });
});
