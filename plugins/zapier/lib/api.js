'use strict';

const { createHash } = require('node:crypto');

/** The hub is self-hosted: its address is part of the connection (trailing slashes trimmed). */
const baseUrl = (bundle) => String(bundle.authData.hub_url || '').replace(/\/+$/, '');

const addApiKey = (request, z, bundle) => {
  if (bundle.authData && bundle.authData.api_key) {
    request.headers = { ...request.headers, authorization: `Bearer ${bundle.authData.api_key}` };
  }
  return request;
};

/**
 * Turns the hub's problem+json answers into errors Zapier shows to the user: the `detail` (what to do)
 * and each wrong field. 429 becomes a ThrottledError so Zapier retries later (Retry-After in seconds).
 * Requests made with skipThrowForStatus handle their status themselves (unsubscribe of a deleted hook).
 */
const handleProblems = (response, z) => {
  if (response.status < 400 || (response.request && response.request.skipThrowForStatus)) return response;
  let problem = {};
  try {
    problem = JSON.parse(response.content);
  } catch {
    // Not JSON: a proxy in front of the hub answered.
  }
  const fields = Array.isArray(problem.errors) ? problem.errors.map((error) => `${error.path}: ${error.message}`).join('; ') : '';
  const message = [problem.detail || `The hub answered HTTP ${response.status}.`, fields].filter(Boolean).join(' ');
  if (response.status === 429) {
    const retryAfter = Number(response.getHeader('retry-after'));
    throw new z.errors.ThrottledError(message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 60);
  }
  if (response.status === 401) {
    throw new z.errors.Error(`The hub refused the API key: ${message}`, 'AuthenticationError', 401);
  }
  throw new z.errors.Error(message, problem.type || 'HubError', response.status);
};

/** Input fields in a stable order, without empty values, for hashing. */
const canonical = (value) => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => value[key] !== undefined && value[key] !== null && value[key] !== '')
        .map((key) => [key, canonical(value[key])]),
    );
  }
  return value;
};

/**
 * The idempotency key of an action step: the user's own key when given (map the trigger's event id
 * there), else a hash of the action, the step's input fields and `zap_step_id`. Zapier replays a step
 * with the same input after a timeout or a manual replay: the same key makes the hub answer the
 * first result instead of acting twice.
 */
const idempotencyKey = (action, bundle) => {
  const input = { ...bundle.inputData };
  const given = input.idempotency_key;
  delete input.idempotency_key;
  if (given) return `zapier-${action}-${String(given)}`.slice(0, 200);
  const hash = createHash('sha256').update(JSON.stringify({ action, input: canonical(input) })).digest('hex');
  return `zapier-${action}-${hash}`;
};

/** A field every action has. */
const idempotencyField = {
  key: 'idempotency_key',
  label: 'Idempotency Key',
  required: false,
  helpText:
    'Optional. Map a value that is unique per run, e.g. the trigger\'s **ID**: a replayed step with the same key never acts twice. Without it, the key is derived from all the fields below and the Zap Step ID, so identical input acts once.',
};

const zapStepField = {
  key: 'zap_step_id',
  label: 'Zap Step ID',
  required: false,
  helpText: 'Optional. Any value that tells two runs apart (e.g. the trigger\'s ID); it is part of the derived idempotency key.',
};

module.exports = { baseUrl, addApiKey, handleProblems, idempotencyKey, idempotencyField, zapStepField, canonical };
