/**
 * The hub's events Salesforce acts on (the connector contract's `subscription`, src/connectors/subscriptions.ts):
 * each delivered to every live Salesforce installation of the event's tenant, retried by the bus.
 *   activity.ts       message.submitted, sms.received, message.delivered, message.failed: the SMS log and its status
 *   opt-out-sync.ts   contact.unsubscribed, crm.contact_* / crm.lead_*: opt-outs both ways
 */
import type { ConnectorSubscription } from '../../src/connectors/connector.ts';
import { ACTIVITY_EVENTS, handleActivity } from './activity.ts';
import { handleOptOuts, OPT_OUT_EVENTS } from './opt-out-sync.ts';
import type { Credentials, Settings } from './manifest.ts';

export const subscription: ConnectorSubscription<Settings, Credentials> = {
  events: [...ACTIVITY_EVENTS, ...OPT_OUT_EVENTS],
  handle: (event, ctx) => ((OPT_OUT_EVENTS as readonly string[]).includes(event.type) ? handleOptOuts(event, ctx) : handleActivity(event, ctx)),
};
