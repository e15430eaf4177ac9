/**
 * A survey asked by SMS is answered by a reply: `sms.received` from the contact whose text is a digit
 * from 1 to 5 (" 4 " too) answers their open question, the one the reply is to when the provider says
 * so, else their latest. The answer is published as `survey.answered` with `via: "sms"`, the same
 * payload as an answer on the page. Other replies are no answer and leave the question open.
 */
import type { DeliveryOutcome, RetryPolicy, SubscriberSource } from '../../bus/subscribers.ts';
import type { TriggerEvent } from '../../bus/trigger-event.ts';
import type { Surveys } from './surveys.ts';

const SCORE = /^\s*([1-5])\s*[.!]?\s*$/;

export class SurveyReplies implements SubscriberSource {
  readonly kind = 'survey-replies';
  readonly retry: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 60_000 };
  readonly #surveys: Surveys;
  readonly #clock: () => Date;

  constructor(options: { surveys: Surveys; clock: () => Date }) {
    this.#surveys = options.surveys;
    this.#clock = options.clock;
  }

  async targetsFor(event: TriggerEvent): Promise<string[]> {
    const text = event.data.text;
    return event.type === 'sms.received' && event.subject.contactId !== undefined && typeof text === 'string' && SCORE.test(text) ? ['answer'] : [];
  }

  async deliver(_target: string, event: TriggerEvent): Promise<DeliveryOutcome> {
    const score = Number(SCORE.exec(String(event.data.text))?.[1]);
    const contactId = event.subject.contactId!;
    const inReplyTo = typeof event.data.inReplyToMessageId === 'string' ? event.data.inReplyToMessageId : undefined;
    const now = event.occurredAt.getTime() > this.#clock().getTime() ? this.#clock() : event.occurredAt;
    const question =
      (inReplyTo === undefined ? undefined : await this.#surveys.openSmsQuestion(event.tenantId, contactId, inReplyTo, now)) ??
      (await this.#surveys.openSmsQuestion(event.tenantId, contactId, undefined, now));
    // A digit that answers no open question (none asked, expired, answered) is just a reply.
    if (question) await this.#surveys.answer(question, { score, via: 'sms' }, now);
    return { kind: 'delivered' };
  }
}
