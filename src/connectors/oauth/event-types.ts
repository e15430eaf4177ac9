/** The connectors part's own event types, contributed to the catalog like a connector's (contributeEventTypes). */
import { z } from 'zod';
import { contributeEventTypes } from '../../bus/catalog/index.ts';
import { defineEventType } from '../../bus/catalog/define.ts';
import { REAUTHORIZATION_EVENT } from './tokens.ts';

export const connectorEventTypes = [
  defineEventType({
    type: REAUTHORIZATION_EVENT,
    title: 'Connector needs reconnecting',
    description:
      'An OAuth installation lost its authorization (revoked at the provider, expired, password changed): the hub stopped calling the system. ' +
      'An admin reconnects it (POST /v1/connectors/{id}/installations/{ins}/reconnect, or the console); cursors, memory and scenarios are kept.',
    data: z.object({ connector: z.string(), installationId: z.string(), account: z.string(), reason: z.string() }),
    example: { connector: 'google-calendar', installationId: 'ins_7TQ2mZ0bW1nV4xR7tK3p', account: 'salon.dupont@gmail.com', reason: 'the provider answered invalid_grant (Token has been expired or revoked.)' },
  }),
];

contributeEventTypes('connectors', connectorEventTypes);
