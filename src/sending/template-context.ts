/**
 * The variables a message template sees, built from the contact, the triggering event and the
 * message itself. Pure. Every known contact field is present (null when empty), so a typo is an
 * unknown variable while an empty first name is a missing value (see template.ts).
 */
import type { Contact } from '../contacts/contacts.ts';
import type { TemplateContext } from './template.ts';

/** The event a message is about: a stored bus event, or data given inline with the request. */
export interface TemplateEvent {
  id?: string;
  type?: string;
  source?: string;
  occurredAt?: Date | string;
  data: Record<string, unknown>;
}

export interface TemplateInputs {
  contact: Contact | undefined;
  /** The recipient address, used for contact.phone / contact.email when there is no contact. */
  to: { phone?: string; email?: string };
  event: TemplateEvent | undefined;
  message: { id: string; unsubscribeUrl?: string };
}

export const CONTACT_VARIABLES = ['id', 'firstName', 'lastName', 'email', 'phone', 'locale', 'timeZone', 'attributes', 'externalIds'] as const;

export function templateContext(inputs: TemplateInputs): TemplateContext {
  const { contact, to, event, message } = inputs;
  const context: TemplateContext = {
    contact: {
      id: contact?.id ?? null,
      firstName: contact?.firstName ?? null,
      lastName: contact?.lastName ?? null,
      email: contact?.email ?? to.email ?? null,
      phone: contact?.phone ?? to.phone ?? null,
      locale: contact?.locale ?? null,
      timeZone: contact?.timeZone ?? null,
      attributes: contact?.attributes ?? {},
      externalIds: contact?.externalIds ?? {},
    },
    message: { id: message.id, ...(message.unsubscribeUrl === undefined ? {} : { unsubscribeUrl: message.unsubscribeUrl }) },
  };
  if (event) {
    context.event = {
      id: event.id ?? null,
      type: event.type ?? null,
      source: event.source ?? null,
      occurredAt: event.occurredAt instanceof Date ? event.occurredAt.toISOString() : (event.occurredAt ?? null),
      data: event.data,
    };
  }
  return context;
}
