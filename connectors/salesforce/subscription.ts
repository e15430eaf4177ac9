/**
 * The hub's events Salesforce acts on (the connector contract's `subscription`, src/connectors/subscriptions.ts):
 * each delivered to every live Salesforce installation of the event's tenant, retried by the bus.
 *   activity.ts   message.submitted, sms.received, message.delivered, message.failed: the SMS log and its status
 */
import type { ConnectorSubscription } from '../../src/connectors/connector.ts';
import { ACTIVITY_EVENTS, handleActivity } from './activity.ts';
import type { Credentials, Settings } from './manifest.ts';

export const subscription: ConnectorSubscription<Settings, Credentials> = {
  events: [...ACTIVITY_EVENTS],
  handle: (event, ctx) => handleActivity(event, ctx),
};
