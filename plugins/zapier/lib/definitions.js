'use strict';

/**
 * Builders for the app's definitions, so each trigger, create and search states only what is its own
 * (key, noun, texts, fields, perform, sample) and the Zapier schema's nesting is written once.
 */

/**
 * Zapier output fields from `{ key: label }`, in that order; `[label, type]` where the field is typed.
 * A prefix names nested values the way Zapier flattens them (`data__`, `contact__`).
 */
const labelled = (labels, prefix = '') =>
  Object.entries(labels).map(([key, label]) => (Array.isArray(label) ? { key: prefix + key, label: label[0], type: label[1] } : { key: prefix + key, label }));

/** A create or a search: a visible action whose perform calls the hub. */
const hubAction = ({ key, noun, label, description, inputFields, perform, sample, outputFields }) => ({
  key,
  noun,
  display: { label, description },
  operation: { inputFields, perform, sample, outputFields },
});

/** The contact of every sample (triggers, creates, searches): the editor shows the same person everywhere. */
const sampleContact = { id: 'con_8Qy2mZ0bW1nV4xR7tK3p', phone: '+33612345678', email: 'camille.martin@example.fr', firstName: 'Camille', lastName: 'Martin' };

/** A contact's fields as the hub names them, less its id (named `id` or `contactId` depending on the payload). */
const contactLabels = { phone: 'Phone', email: 'Email', firstName: 'First Name', lastName: 'Last Name' };

/** The hub finds (and upserts) a contact by phone, else email: both optional, one needed. */
const phoneOrEmailFields = [
  { key: 'phone', label: 'Phone', required: false },
  { key: 'email', label: 'Email', required: false },
];

module.exports = { labelled, hubCreate: hubAction, hubSearch: hubAction, sampleContact, contactLabels, phoneOrEmailFields };
