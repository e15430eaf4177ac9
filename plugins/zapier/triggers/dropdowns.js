'use strict';

const { baseUrl } = require('../lib/api');

/** Hidden polling triggers that fill dynamic dropdowns from GET /v1/zapier/dropdowns/{name}. */
const dropdown = (key, noun, name) => ({
  key,
  noun,
  display: { label: `List ${noun}s`, description: `Triggers when a ${noun.toLowerCase()} is added (used for dropdowns).`, hidden: true },
  operation: {
    perform: async (z, bundle) => (await z.request({ url: `${baseUrl(bundle)}/v1/zapier/dropdowns/${name}` })).data,
  },
});

module.exports = [dropdown('event_type_list', 'Event Type', 'event-types'), dropdown('contact_list_list', 'Contact List', 'lists'), dropdown('sender_list', 'Sender', 'senders')];
