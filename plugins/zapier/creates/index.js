'use strict';

const { baseUrl, idempotencyKey, idempotencyField, zapStepField } = require('../lib/api');
const { hubCreate, labelled, sampleContact, contactLabels, phoneOrEmailFields } = require('../lib/definitions');

const messageOutputFields = labelled({ id: 'Message ID', status: 'Status', to: 'To', contactId: 'Contact ID', segments: ['Segments', 'integer'], blockReason: 'Block Reason' });

const messageSample = {
  id: 'k3J9aQ2xZp',
  channel: 'sms',
  category: 'transactional',
  status: 'queued',
  blockReason: null,
  contactId: null,
  to: '+33612345678',
  from: 'MaBoutique',
  text: 'Your appointment is tomorrow at 10:00.',
  segments: 1,
  idempotencyKey: 'zapier-send_sms-…',
};

const categoryField = {
  key: 'category',
  label: 'Category',
  required: true,
  choices: { transactional: 'Transactional (order, appointment: no consent needed)', marketing: 'Marketing (needs consent; STOP mention; quiet hours)' },
  default: 'transactional',
};

const compact = (object) => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined && value !== null && value !== ''));

/** POSTs with the step's idempotency key: a replayed step gets the first answer (200, Idempotent-Replayed) and sends nothing. */
const sendWith = (action, channel, body) => async (z, bundle) => {
  const response = await z.request({
    url: `${baseUrl(bundle)}/v1/messages/${channel}`,
    method: 'POST',
    headers: { 'idempotency-key': idempotencyKey(action, bundle) },
    body: compact(body(bundle.inputData)),
  });
  return { ...response.data, replayed: response.getHeader('idempotent-replayed') === 'true' };
};

const sendSms = hubCreate({
  key: 'send_sms',
  noun: 'SMS',
  label: 'Send SMS',
  description: 'Sends an SMS to a phone number or a contact; a replayed step never sends twice.',
  inputFields: [
    { key: 'to', label: 'To (Phone Number)', required: true, helpText: 'E.164 (+33612345678) or national in your account\'s country.' },
    { key: 'text', label: 'Text', required: true, type: 'text', helpText: 'May use template variables such as `{{ contact.firstName }}`.' },
    { key: 'from', label: 'Sender', required: false, dynamic: 'sender_list.id.name', helpText: 'Default: your account\'s default sender.' },
    categoryField,
    zapStepField,
    idempotencyField,
  ],
  perform: sendWith('send_sms', 'sms', (input) => ({ to: input.to, text: input.text, from: input.from, category: input.category })),
  sample: messageSample,
  outputFields: messageOutputFields,
});

const sendEmail = hubCreate({
  key: 'send_email',
  noun: 'Email',
  label: 'Send Email',
  description: 'Sends an email to an address; a replayed step never sends twice.',
  inputFields: [
    { key: 'to', label: 'To (Email)', required: true },
    { key: 'subject', label: 'Subject', required: true },
    { key: 'text', label: 'Text', required: true, type: 'text' },
    { key: 'html', label: 'HTML', required: false, type: 'text' },
    { key: 'reply_to', label: 'Reply To', required: false },
    categoryField,
    zapStepField,
    idempotencyField,
  ],
  perform: sendWith('send_email', 'email', (input) => ({ to: input.to, subject: input.subject, text: input.text, html: input.html, replyTo: input.reply_to, category: input.category })),
  sample: { ...messageSample, channel: 'email', to: 'camille.martin@example.fr', from: 'shop@example.fr', segments: null },
  outputFields: messageOutputFields,
});

const contactOutputFields = [...labelled({ id: 'Contact ID', ...contactLabels }, 'contact__'), ...labelled({ created: ['Created', 'boolean'] })];

const contactSample = { contact: sampleContact, created: true, matchedBy: null, conflicts: [] };

/** Upsert: matched by phone, then email, so a replay updates the same contact with the same values. */
const createContact = hubCreate({
  key: 'create_contact',
  noun: 'Contact',
  label: 'Create or Update Contact',
  description: 'Creates a contact, or updates the one with the same phone or email.',
  inputFields: [
    ...phoneOrEmailFields,
    { key: 'first_name', label: 'First Name', required: false },
    { key: 'last_name', label: 'Last Name', required: false },
    { key: 'attributes', label: 'Attributes', required: false, dict: true, helpText: 'Extra fields, e.g. `city` = `Lyon`.' },
  ],
  perform: async (z, bundle) => {
    const input = bundle.inputData;
    if (!input.phone && !input.email) throw new z.errors.Error('Give a phone or an email: the contact is found and created by them.', 'InvalidInput', 400);
    const response = await z.request({
      url: `${baseUrl(bundle)}/v1/contacts`,
      method: 'POST',
      body: compact({ phone: input.phone, email: input.email, firstName: input.first_name, lastName: input.last_name, attributes: input.attributes }),
    });
    return response.data;
  },
  sample: contactSample,
  outputFields: contactOutputFields,
});

/** PUT of a membership is idempotent on the hub: adding twice leaves one membership. */
const addContactToList = hubCreate({
  key: 'add_contact_to_list',
  noun: 'List Member',
  label: 'Add Contact to List',
  description: 'Adds a contact (by ID, or found by phone or email) to one of your lists.',
  inputFields: [
    { key: 'list_id', label: 'List', required: true, dynamic: 'contact_list_list.id.name' },
    { key: 'contact_id', label: 'Contact ID', required: false },
    { key: 'phone', label: 'Phone', required: false, helpText: 'Used when no Contact ID is given: the contact is created or updated first.' },
    { key: 'email', label: 'Email', required: false },
  ],
  perform: async (z, bundle) => {
    const input = bundle.inputData;
    let contactId = input.contact_id;
    if (!contactId) {
      if (!input.phone && !input.email) throw new z.errors.Error('Give a Contact ID, a phone or an email.', 'InvalidInput', 400);
      const upserted = await z.request({ url: `${baseUrl(bundle)}/v1/contacts`, method: 'POST', body: compact({ phone: input.phone, email: input.email }) });
      contactId = upserted.data.contact.id;
    }
    const response = await z.request({
      url: `${baseUrl(bundle)}/v1/lists/${encodeURIComponent(input.list_id)}/members/${encodeURIComponent(contactId)}`,
      method: 'PUT',
    });
    return { listId: input.list_id, contactId, ...(response.data && typeof response.data === 'object' ? response.data : {}) };
  },
  sample: { listId: 'lst_2bX9', contactId: sampleContact.id },
  outputFields: labelled({ listId: 'List ID', contactId: 'Contact ID' }),
});

/** The dedupe key of the hub's events is the idempotency key: a replay returns the first event (duplicate: true). */
const publishEvent = hubCreate({
  key: 'publish_event',
  noun: 'Event',
  label: 'Send Event',
  description: 'Sends an event to the hub, where it can start scenarios and other Zaps.',
  inputFields: [
    { key: 'type', label: 'Event Type', required: true, dynamic: 'event_type_list.id.name', helpText: 'A catalog type, or `custom.<name>` for your own.' },
    { key: 'data', label: 'Data', required: true, dict: true, helpText: 'The event\'s fields; catalog types check them against their schema.' },
    { key: 'phone', label: 'Contact Phone', required: false },
    { key: 'email', label: 'Contact Email', required: false },
    zapStepField,
    idempotencyField,
  ],
  perform: async (z, bundle) => {
    const input = bundle.inputData;
    const subject = compact({ phone: input.phone, email: input.email });
    const response = await z.request({
      url: `${baseUrl(bundle)}/v1/events`,
      method: 'POST',
      body: { source: 'zapier', type: input.type, data: input.data || {}, dedupeKey: idempotencyKey('publish_event', bundle), ...(Object.keys(subject).length > 0 ? { subject } : {}) },
    });
    return response.data;
  },
  sample: { id: 'evt_01HZX8', duplicate: false },
  outputFields: labelled({ id: 'Event ID', duplicate: ['Duplicate', 'boolean'] }),
});

module.exports = [sendSms, sendEmail, createContact, addContactToList, publishEvent];
