import type { PublicEvent } from '../bus/trigger-event.ts';
import { SIGNATURE_HEADER, signPayload } from '../signatures/hub-signature.ts';

export interface WebhookRequest {
  /** The exact bytes that are signed and sent. */
  body: string;
  headers: Record<string, string>;
}

export interface WebhookRequestInput {
  event: PublicEvent;
  /** 1 on the first try; receivers see it in Hub-Delivery-Attempt. */
  attempt: number;
  /** The current secret first; during a rotation the previous one too, each giving a v1= signature. */
  secrets: readonly string[];
  userAgent: string;
  now: Date;
}

/** The POST a subscriber receives for one event: the public event JSON, signed, with its routing headers. */
export function buildWebhookRequest(input: WebhookRequestInput): WebhookRequest {
  const body = JSON.stringify(input.event);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': input.userAgent,
      'Hub-Event-Id': input.event.id,
      'Hub-Event-Type': input.event.type,
      'Hub-Delivery-Attempt': String(input.attempt),
      [SIGNATURE_HEADER]: signPayload(input.secrets, body, Math.floor(input.now.getTime() / 1000)),
    },
  };
}
