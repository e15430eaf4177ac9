'use strict';

const { hookTrigger, sampleEvent } = require('./hook-trigger');
const { sampleContact, contactLabels } = require('../lib/definitions');

const newSmsReply = hookTrigger({
  key: 'new_sms_reply',
  noun: 'SMS Reply',
  description: 'Triggers when someone sends an SMS to one of your numbers (a reply or a keyword).',
  trigger: 'sms-reply',
  eventTypes: ['sms.received'],
  sampleData: { from: '+33612345678', to: '36173', text: 'Oui, je confirme mon rendez-vous', messageId: 'mo_4fQ9mZ0bW1nV4xR7tK3p' },
  dataFields: { from: 'From (Phone)', to: 'To (Your Number)', text: 'Text' },
});

const messageStatusChanged = hookTrigger({
  key: 'message_status_changed',
  noun: 'Message Status',
  description: 'Triggers when a message you sent is delivered or fails.',
  trigger: 'message-status',
  eventTypes: ['message.delivered', 'message.failed'],
  sampleData: { messageId: 'k3J9aQ2xZp', channel: 'sms', to: '+33612345678', deliveredAt: '2026-11-23T10:15:02.000Z' },
  dataFields: { messageId: 'Message ID', channel: 'Channel', to: 'To' },
});

// The contact event names its id `contactId`; the rest is the sample contact of the creates and searches.
const { id: contactId, ...contact } = sampleContact;

const newContact = hookTrigger({
  key: 'new_contact',
  noun: 'Contact',
  description: 'Triggers when a contact is created in the hub.',
  trigger: 'new-contact',
  eventTypes: ['contact.created'],
  sampleData: { contactId, ...contact },
  dataFields: { contactId: 'Contact ID', ...contactLabels },
});

const newUnsubscribe = hookTrigger({
  key: 'new_unsubscribe',
  noun: 'Unsubscribe',
  description: 'Triggers when a contact opts out (STOP keyword, unsubscribe link or the API).',
  trigger: 'new-unsubscribe',
  eventTypes: ['contact.unsubscribed'],
  sampleData: { channel: 'sms', address: '+33612345678', via: 'sms-keyword:STOP' },
  dataFields: { channel: 'Channel', address: 'Address', via: 'Via' },
});

const newEvent = hookTrigger({
  key: 'new_event',
  noun: 'Event',
  description: 'Triggers when an event of the type you choose reaches the hub (orders, carts, forms, appointments, custom events…).',
  trigger: 'new-event',
  eventTypes: (bundle) => [bundle.inputData.event_type],
  // Filtered on the hub: an event from another system makes no delivery, so it costs no Zapier task.
  filters: (bundle) => (bundle.inputData.source ? { source: bundle.inputData.source } : undefined),
  inputFields: [
    {
      key: 'event_type',
      label: 'Event Type',
      required: true,
      dynamic: 'event_type_list.id.name',
      altersDynamicFields: false,
      helpText: 'A type of the hub\'s event catalog, or type a custom one (`custom.<name>`).',
    },
    {
      key: 'source',
      label: 'Only From Source',
      required: false,
      helpText: 'Optional: only events from this system, e.g. `woocommerce`.',
    },
  ],
  sample: sampleEvent('order.created', { orderId: '1042', total: 59.9, currency: 'EUR' }),
});

module.exports = [newSmsReply, messageStatusChanged, newContact, newUnsubscribe, newEvent];
