'use strict';

const { version: platformVersion } = require('zapier-platform-core');
const { version } = require('./package.json');
const authentication = require('./authentication');
const { addApiKey, handleProblems } = require('./lib/api');
const creates = require('./creates');
const searches = require('./searches');
const dropdowns = require('./triggers/dropdowns');
const triggers = require('./triggers');

const byKey = (items) => Object.fromEntries(items.map((item) => [item.key, item]));

module.exports = {
  version,
  platformVersion,
  authentication,
  beforeRequest: [addApiKey],
  afterResponse: [handleProblems],
  triggers: byKey([...triggers, ...dropdowns]),
  creates: byKey(creates),
  searches: byKey(searches),
};
