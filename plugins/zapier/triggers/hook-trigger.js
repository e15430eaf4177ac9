'use strict';

const { baseUrl } = require('../lib/api');

/** The public event fields every trigger outputs (the hub's event shape, the same in deliveries and samples). */
const eventOutputFields = [
  { key: 'id', label: 'Event ID' },
  { key: 'type', label: 'Event Type' },
  { key: 'source', label: 'Source' },
  { key: 'occurredAt', label: 'Occurred At', type: 'datetime' },
  { key: 'receivedAt', label: 'Received At', type: 'datetime' },
  { key: 'subject__contactId', label: 'Contact ID' },
  { key: 'subject__phone', label: 'Contact Phone' },
  { key: 'subject__email', label: 'Contact Email' },
];

/**
 * An instant trigger on the hub's REST hooks: subscribe POSTs bundle.targetUrl with the event types,
 * the hub then POSTs each event there (retries on timeouts and 5xx, deletes the hook on 410), perform
 * returns the event as received, performList the newest real events in the same shape.
 */
const hookTrigger = ({ key, noun, label, description, trigger, eventTypes, filters = () => undefined, inputFields = [], sample, outputFields = [] }) => ({
  key,
  noun,
  display: { label, description },
  operation: {
    type: 'hook',
    inputFields,
    performSubscribe: async (z, bundle) => {
      const response = await z.request({
        url: `${baseUrl(bundle)}/v1/zapier/hooks`,
        method: 'POST',
        body: {
          target_url: bundle.targetUrl,
          event_types: eventTypes(bundle),
          ...(filters(bundle) ? { filters: filters(bundle) } : {}),
          ...(bundle.meta && bundle.meta.zap ? { zap_id: String(bundle.meta.zap.id) } : {}),
        },
      });
      return response.data;
    },
    performUnsubscribe: async (z, bundle) => {
      // 404: the hub already deleted it (the hook answered 410 Gone), which is what unsubscribing wants.
      const response = await z.request({ url: `${baseUrl(bundle)}/v1/zapier/hooks/${encodeURIComponent(bundle.subscribeData.id)}`, method: 'DELETE', skipThrowForStatus: true });
      if (response.status !== 204 && response.status !== 404) throw new z.errors.Error(`Could not remove the hook (HTTP ${response.status}).`, 'HubError', response.status);
      return { id: bundle.subscribeData.id };
    },
    perform: async (z, bundle) => [bundle.cleanedRequest],
    performList: async (z, bundle) => {
      const params = bundle.inputData.event_type ? { event_type: bundle.inputData.event_type } : {};
      const response = await z.request({ url: `${baseUrl(bundle)}/v1/zapier/samples/${trigger}`, params });
      return response.data;
    },
    sample,
    outputFields: [...eventOutputFields, ...outputFields],
  },
});

/** A sample in the hub's event shape, for the Zap editor before the account has events. */
const sampleEvent = (type, data, subject = {}) => ({
  id: `evt_example_${type.replaceAll('.', '_')}`,
  version: 1,
  type,
  source: 'hub',
  occurredAt: '2026-01-15T09:30:00.000Z',
  receivedAt: '2026-01-15T09:30:00.000Z',
  dedupeKey: `example.${type}`,
  subject,
  data,
});

module.exports = { hookTrigger, sampleEvent };
