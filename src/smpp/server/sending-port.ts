/**
 * The narrow port between the SMPP server and the sending core: complete messages go in through
 * `acceptFromSmpp`; what becomes of them comes back on the bus (`message.delivered`,
 * `message.failed`, `sms.received`), read by `SmppEventSource`.
 *
 * The adapter below uses the sending module's public `send` (a batch, so one call validates and stores
 * many messages in a few statements). The sending core refuses a whole batch when one item is bad,
 * naming it in `messages[i].…`: the refused items are answered as such and the rest is sent again.
 */
import type { MessageCategory } from '../../sending/message.ts';
import { SendInputError, type SmsItem } from '../../sending/requests.ts';
import type { SendingModule } from '../../sending/sending-module.ts';

export interface SmppMessage {
  /** E.164 or national (the tenant's region). */
  to: string;
  /** '' = the tenant's default sender, else the provider's. */
  from: string;
  text: string;
  category: MessageCategory;
  sendAt: Date | undefined;
  /** The message_id answered to each of its submit_sm parts: the sending core stores them as the message's `smpp` references. */
  partIds: readonly string[];
}

export type HandoffOutcome = { kind: 'accepted'; messageId: string } | { kind: 'refused'; reason: string };

export interface SmppSendingPort {
  /**
   * Hands messages to the sending core: when it resolves they are committed there (or refused, one
   * outcome per message, in order). The same `handoffKey` with the same messages answers the same
   * outcomes without sending anything twice, so a handoff interrupted by a crash can be replayed.
   * Keys start with "smpp:<accountId>:", which tells the event source where a message came from.
   */
  acceptFromSmpp(tenantId: string, messages: readonly SmppMessage[], handoffKey: string): Promise<HandoffOutcome[]>;
  /** A part resent after its message left (a new message_id for the ESME) joins that message's references. */
  linkParts(tenantId: string, links: readonly { partId: string; messageId: string }[]): Promise<void>;
}

/** The namespace of SMPP part ids among a message's references (GET /v1/messages?smppMessageId=). */
export const SMPP_REFERENCE = 'smpp';

const ISSUE_PATH = /^messages\[(\d+)\](?:\.(.*))?$/;

function toItem(message: SmppMessage): SmsItem {
  return {
    to: message.to,
    text: message.text,
    category: message.category,
    ...(message.from === '' ? {} : { from: message.from }),
    ...(message.sendAt ? { sendAt: message.sendAt.toISOString() } : {}),
  };
}

export function sendingPortOf(sending: Pick<SendingModule, 'send' | 'addReferences'>): SmppSendingPort {
  return {
    linkParts: (tenantId, links) => sending.addReferences(tenantId, links.map((link) => ({ system: SMPP_REFERENCE, id: link.partId, messageId: link.messageId }))),
    async acceptFromSmpp(tenantId, messages, handoffKey) {
      const outcomes: (HandoffOutcome | undefined)[] = messages.map(() => undefined);
      let pending = messages.map((_, index) => index);
      for (let round = 0; pending.length > 0; round++) {
        const items = pending.map((index) => toItem(messages[index]!));
        try {
          const references = pending.map((index) => messages[index]!.partIds.map((id) => ({ system: SMPP_REFERENCE, id })));
          const result = await sending.send(tenantId, { channel: 'sms', items, batch: true }, { idempotencyKey: round === 0 ? handoffKey : `${handoffKey}.${round}`, references });
          result.messages.forEach((message, position) => (outcomes[pending[position]!] = { kind: 'accepted', messageId: message.id }));
          pending = [];
        } catch (error) {
          if (!(error instanceof SendInputError)) throw error;
          const refused = new Map<number, string[]>();
          for (const issue of error.issues) {
            const match = ISSUE_PATH.exec(issue.path);
            if (!match) throw error;
            const position = Number(match[1]);
            refused.set(position, [...(refused.get(position) ?? []), `${match[2] ?? 'message'}: ${issue.message}`]);
          }
          if (refused.size === 0 || [...refused.keys()].some((position) => position >= pending.length)) throw error;
          for (const [position, reasons] of refused) outcomes[pending[position]!] = { kind: 'refused', reason: reasons.join('; ') };
          pending = pending.filter((_, position) => !refused.has(position));
        }
      }
      return outcomes as HandoffOutcome[];
    },
  };
}
