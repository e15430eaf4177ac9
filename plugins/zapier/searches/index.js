'use strict';

const { baseUrl } = require('../lib/api');

const findContact = {
  key: 'find_contact',
  noun: 'Contact',
  display: { label: 'Find Contact', description: 'Finds a contact by phone or email.' },
  operation: {
    inputFields: [
      { key: 'phone', label: 'Phone', required: false },
      { key: 'email', label: 'Email', required: false },
    ],
    perform: async (z, bundle) => {
      const { phone, email } = bundle.inputData;
      if (!phone && !email) throw new z.errors.Error('Give a phone or an email to search by.', 'InvalidInput', 400);
      const params = { limit: 1 };
      if (phone) params.phone = phone;
      else params.email = email;
      const response = await z.request({ url: `${baseUrl(bundle)}/v1/contacts`, params });
      return response.data.items;
    },
    sample: { id: 'con_8Qy2mZ0bW1nV4xR7tK3p', phone: '+33612345678', email: 'camille.martin@example.fr', firstName: 'Camille', lastName: 'Martin' },
    outputFields: [
      { key: 'id', label: 'Contact ID' },
      { key: 'phone', label: 'Phone' },
      { key: 'email', label: 'Email' },
      { key: 'firstName', label: 'First Name' },
      { key: 'lastName', label: 'Last Name' },
    ],
  },
};

module.exports = [findContact];
