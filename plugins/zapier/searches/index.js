'use strict';

const { baseUrl } = require('../lib/api');
const { hubSearch, labelled, sampleContact, contactLabels, phoneOrEmailFields } = require('../lib/definitions');

const findContact = hubSearch({
  key: 'find_contact',
  noun: 'Contact',
  label: 'Find Contact',
  description: 'Finds a contact by phone or email.',
  inputFields: phoneOrEmailFields,
  perform: async (z, bundle) => {
    const { phone, email } = bundle.inputData;
    if (!phone && !email) throw new z.errors.Error('Give a phone or an email to search by.', 'InvalidInput', 400);
    const params = { limit: 1 };
    if (phone) params.phone = phone;
    else params.email = email;
    const response = await z.request({ url: `${baseUrl(bundle)}/v1/contacts`, params });
    return response.data.items;
  },
  sample: sampleContact,
  outputFields: labelled({ id: 'Contact ID', ...contactLabels }),
});

module.exports = [findContact];
