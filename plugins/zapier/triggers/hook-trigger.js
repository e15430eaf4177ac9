'use strict';

const { baseUrl } = require('../lib/api');
const { labelled } = require('../lib/definitions');

/** The public event fields every trigger outputs (the hub's event shape, the same in deliveries and samples). */
const eventOutputFields = [
  ...labelled({ id: 'Event ID', type: 'Event Type', source: 'Source', occurredAt: ['Occurred At', 'datetime'], receivedAt: ['Received At', 'datetime'] }),
  ...labelled({ contactId: 'Contact ID', phone: 'Contact Phone', email: 'Contact Email' }, 'subject__'),
];

/**
 * An instant trigger on the hub's REST hooks: subscribe POSTs bundle.targetUrl with the event types,
 * the hub then POSTs each event there (retries on timeouts and 5xx, deletes the hook on 410), perform
 * returns the event as received, performList the newest real events in the same shape.
 *
 * What a trigger states: `trigger` (its samples path on the hub), `eventTypes` (a fixed list, or a
 * function of the bundle when the user picks them), the `sample` (or, for a fixed list, only its
 * `sampleData`: the sample is then an event of the first type) and `dataFields` (`{ key: label }` of
 * the event's `data`). The label defaults to `New <noun>`, as Zapier names instant triggers.
 */
const hookTrigger = ({ key, noun, label = `New ${noun}`, description, trigger, eventTypes, filters = () => undefined, inputFields = [], sampleData, sample = sampleEvent(eventTypes[0], sampleData), dataFields = {} }) => ({
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
          event_types: typeof eventTypes === 'function' ? eventTypes(bundle) : eventTypes,
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
    outputFields: [...eventOutputFields, ...labelled(dataFields, 'data__')],
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
