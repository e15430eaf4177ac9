'use strict';

const { baseUrl } = require('./lib/api');

/** API-key auth: the key and the hub's address; GET /v1/me tests them and names the connection. */
module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'hub_url',
      label: 'Hub URL',
      required: true,
      type: 'string',
      helpText: 'The public address of your hub, e.g. `https://hub.example.com`.',
    },
    {
      key: 'api_key',
      label: 'API Key',
      required: true,
      type: 'password',
      helpText: 'An API key of your hub (`hub_…`), created with `npm run hub -- keys create`.',
    },
  ],
  test: async (z, bundle) => {
    const response = await z.request({ url: `${baseUrl(bundle)}/v1/me` });
    return response.data;
  },
  // The test request's answer is bundle.inputData here.
  connectionLabel: (z, bundle) => bundle.inputData.tenantName,
};
