import { BLOCKED_TARGET_CODE } from '../../../net/outbound-guard.ts';
import type { SubmitResult } from '../provider.ts';

/**
 * What an SMTP exchange means for the message (RFC 5321 §4.2.1): 2yz accepted, 5yz refused for
 * good, 4yz try again later. Pure, with table tests; the provider feeds it nodemailer's results.
 */

/** The fields of a nodemailer error (`NodemailerError`) this mapping reads. */
export interface SmtpFailure {
  message: string;
  code?: string | undefined;
  responseCode?: number | undefined;
  response?: string | undefined;
  command?: string | undefined;
  rejectedErrors?: SmtpFailure[] | undefined;
}

/** Credentials or TLS are wrong for every message: keep the messages, give the operator time to fix the settings. */
const CONFIGURATION_RETRY_MS = 5 * 60_000;

const CONFIGURATION_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG', BLOCKED_TARGET_CODE]);

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 500);

/** The reply the server refused the message with (nodemailer copies a refused recipient's reply to the error). */
function replyOf(failure: SmtpFailure): { code: number; text: string } | undefined {
  const source = failure.responseCode !== undefined ? failure : failure.rejectedErrors?.find((error) => error.responseCode !== undefined);
  if (source?.responseCode === undefined) return undefined;
  return { code: source.responseCode, text: oneLine(source.response ?? source.message) };
}

export function smtpFailureOutcome(failure: SmtpFailure): SubmitResult {
  const reply = replyOf(failure);
  // 535 and friends are 5yz, but they refuse the hub's credentials, not this message.
  if (failure.code !== undefined && CONFIGURATION_CODES.has(failure.code)) {
    const detail = reply ? reply.text : oneLine(failure.message);
    const what =
      failure.code === BLOCKED_TARGET_CODE ? 'the hub may not connect to the SMTP host'
      : failure.code === 'ETLS' || failure.code === 'EREQUIRETLS' ? 'TLS with the SMTP server failed'
      : 'the SMTP server refused the credentials';
    return { kind: 'retry', reason: `${what} (${detail}); check the SMTP settings`, afterMs: CONFIGURATION_RETRY_MS };
  }
  if (reply) {
    const at = failure.command !== undefined && /^[A-Z]+( [A-Z]+)?$/.test(failure.command) ? ` at ${failure.command}` : '';
    // 503 is "bad sequence of commands": the session, not the message; every other 5yz is final.
    if (reply.code >= 500 && reply.code <= 599 && reply.code !== 503) {
      return { kind: 'rejected', reason: `refused by the SMTP server${at}: ${reply.text}`, code: String(reply.code) };
    }
    return { kind: 'retry', reason: `SMTP server answered${at}: ${reply.text}` };
  }
  if (failure.code === 'EENVELOPE') return { kind: 'rejected', reason: `invalid envelope: ${oneLine(failure.message)}` };
  // Nodemailer compares the size with the server's SIZE limit (RFC 1870) before sending: the relay's 552, said early.
  if (failure.code === 'EMESSAGE' && /larger than allowed/i.test(failure.message)) return { kind: 'rejected', reason: oneLine(failure.message), code: '552' };
  // Connection refused or reset, DNS, timeouts, a pool closed under the message: nothing was refused.
  return { kind: 'retry', reason: `SMTP ${failure.code ? `${failure.code}: ` : ''}${oneLine(failure.message)}` };
}

/** A 250 to DATA: the message is the relay's now. `accepted` is empty only when the relay refused the recipient. */
export function smtpSentOutcome(info: { accepted: readonly unknown[]; rejected: readonly unknown[]; response: string }, messageIdHeader: string): SubmitResult {
  if (info.accepted.length === 0) {
    return { kind: 'rejected', reason: `refused by the SMTP server: ${oneLine(info.response)}`, code: /^\d{3}/.exec(info.response)?.[0] };
  }
  return { kind: 'submitted', providerMessageIds: [messageIdHeader] };
}
