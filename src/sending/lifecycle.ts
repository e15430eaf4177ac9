/**
 * Receipts → message status, as pure functions.
 *
 * A long SMS leaves as several parts, each with its own provider message id and its own receipt
 * (SMPP 3.4 App. B: one `deliver_sm` receipt per `submit_sm`). The message is delivered when every
 * part is, and has failed as soon as one part failed: the handset shows nothing useful when a part
 * is missing, so one lost part is a lost message. Intermediate receipts (ENROUTE, ACCEPTD, UNKNOWN)
 * are recorded but change nothing.
 */
import type { ReceiptStatus } from './providers/provider.ts';
import type { MessageStatus } from './message.ts';

/** What a receipt says about one part. */
export type PartState = 'pending' | 'delivered' | 'undelivered' | 'expired' | 'rejected';

export function partStateOf(status: ReceiptStatus): PartState {
  switch (status) {
    case 'delivered':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'deleted':
      // The SMSC deleted the message before delivery (SMPP 3.4 §5.2.28): it will not arrive.
      return 'undelivered';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    case 'accepted':
    case 'enroute':
    case 'unknown':
      return 'pending';
  }
}

/** A final part state never goes back to pending, and a failure is not overwritten by a late success. */
export function nextPartState(current: PartState, receipt: PartState): PartState {
  if (current === 'pending') return receipt;
  return current;
}

/**
 * The message status its parts add up to, or undefined while it is still on its way (submitted).
 * The first failed part (in part order) gives the failure status.
 */
export function aggregateParts(parts: readonly PartState[]): Extract<MessageStatus, 'delivered' | 'undelivered' | 'expired' | 'rejected'> | undefined {
  if (parts.length === 0) return undefined;
  const failed = parts.find((part) => part !== 'pending' && part !== 'delivered');
  if (failed !== undefined) return failed as 'undelivered' | 'expired' | 'rejected';
  return parts.every((part) => part === 'delivered') ? 'delivered' : undefined;
}
