/**
 * Pure compliance rules of the sending core (DESIGN §7): quiet hours, opt-out keywords, the STOP
 * mention and the send/defer/block decision. No I/O; time is always a parameter.
 */
export {
  ComplianceDecision,
  ConsentStatus,
  MessageCategory,
  MessageChannel,
  complianceDecision,
} from './compliance-decision.ts';
export type { ComplianceInput } from './compliance-decision.ts';
export { InvalidTimeZoneError } from './local-time.ts';
export {
  DEFAULT_OPT_OUT_KEYWORDS,
  OptOutKeyword,
  OptOutKeywords,
  findOptOutKeyword,
  matchOptOut,
} from './opt-out-keywords.ts';
export { isPublicHoliday, publicHolidayOn } from './public-holidays.ts';
export type { HolidayCalendar } from './public-holidays.ts';
export {
  DEFAULT_QUIET_HOURS_POLICY,
  IsoWeekday,
  QuietHoursPolicy,
  isSendAllowed,
  nextAllowedInstant,
} from './quiet-hours.ts';
export type { QuietHoursPolicyInput } from './quiet-hours.ts';
export { OptOutMention, ensureOptOutMention, hasOptOutMention } from './stop-mention.ts';
