'use strict';

const { hookTrigger, sampleEvent } = require('./hook-trigger');

const newSmsReply = hookTrigger({
  key: 'new_sms_reply',
  noun: 'SMS Reply',
  label: 'New SMS Reply',
  description: 'Triggers when someone sends an SMS to one of your numbers (a reply or a keyword).',
  trigger: 'sms-reply',
  eventTypes: () => ['sms.received'],
  sample: sampleEvent('sms.received', { from: '+33612345678', to: '36173', text: 'Oui, je confirme mon rendez-vous' }),
  outputFields: [
    { key: 'data__from', label: 'From (Phone)' },
    { key: 'data__to', label: 'To (Your Number)' },
    { key: 'data__text', label: 'Text' },
  ],
});

const messageStatusChanged = hookTrigger({
  key: 'message_status_changed',
  noun: 'Message Status',
  label: 'New Message Status',
  description: 'Triggers when a message you sent is delivered or fails.',
  trigger: 'message-status',
  eventTypes: () => ['message.delivered', 'message.failed'],
  sample: sampleEvent('message.delivered', { messageId: 'k3J9aQ2xZp', channel: 'sms', to: '+33612345678', deliveredAt: '2026-11-23T10:15:02.000Z' }),
  outputFields: [
    { key: 'data__messageId', label: 'Message ID' },
    { key: 'data__channel', label: 'Channel' },
    { key: 'data__to', label: 'To' },
  ],
});

const newContact = hookTrigger({
  key: 'new_contact',
  noun: 'Contact',
  label: 'New Contact',
  description: 'Triggers when a contact is created in the hub.',
  trigger: 'new-contact',
  eventTypes: () => ['contact.created'],
  sample: sampleEvent('contact.created', {
    contactId: 'con_8Qy2mZ0bW1nV4xR7tK3p',
    phone: '+33612345678',
    email: 'camille.martin@example.fr',
    firstName: 'Camille',
    lastName: 'Martin',
  }),
  outputFields: [
    { key: 'data__contactId', label: 'Contact ID' },
    { key: 'data__phone', label: 'Phone' },
    { key: 'data__email', label: 'Email' },
    { key: 'data__firstName', label: 'First Name' },
    { key: 'data__lastName', label: 'Last Name' },
  ],
});

const newUnsubscribe = hookTrigger({
  key: 'new_unsubscribe',
  noun: 'Unsubscribe',
  label: 'New Unsubscribe',
  description: 'Triggers when a contact opts out (STOP keyword, unsubscribe link or the API).',
  trigger: 'new-unsubscribe',
  eventTypes: () => ['contact.unsubscribed'],
  sample: sampleEvent('contact.unsubscribed', { channel: 'sms', address: '+33612345678', via: 'sms-keyword:STOP' }),
  outputFields: [
    { key: 'data__channel', label: 'Channel' },
    { key: 'data__address', label: 'Address' },
    { key: 'data__via', label: 'Via' },
  ],
});

const newEvent = hookTrigger({
  key: 'new_event',
  noun: 'Event',
  label: 'New Event',
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
