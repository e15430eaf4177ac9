/**
 * What POST /v1/scenarios/{id}/simulate and /v1/scenarios/simulate run: a stored contact read as the
 * simulator's contact (its fields, consent, opt-outs and lists, read only), the tenant's sending
 * settings, and the simulator on the engine's clock.
 */
import type { z } from 'zod';
import type { ContactsModule } from '../contacts/contacts-module.ts';
import { InvalidInputError, UnprocessableError } from '../errors.ts';
import type { SendingModule } from '../sending/sending-module.ts';
import type { AutomationEngine } from './engine.ts';
import type { ScenarioDefinition } from './scenario.ts';
import { simulate, SimulatedContactSchema, type SimulationInput } from './simulate.ts';
import { contactSnapshot } from './store-port.ts';
import { segmentsNamed } from './segment-references.ts';
import type { Segments } from './segments/segments.ts';
import { stepRecordView } from './views.ts';

export interface SimulationServiceDeps {
  engine: AutomationEngine;
  sending: Pick<SendingModule, 'settings'>;
  contacts: ContactsModule;
  segments: Pick<Segments, 'contains'>;
}

/**
 * The simulator's contact for a stored contact, or undefined when the tenant has no such contact. Its
 * segments are those the definition names that it is in now (checked live, as the `inSegment` condition does).
 */
async function simulatedContact(deps: SimulationServiceDeps, tenantId: string, contactId: string, definition: ScenarioDefinition): Promise<z.infer<typeof SimulatedContactSchema> | undefined> {
  const { contacts } = deps;
  const contact = await contactSnapshot(contacts, tenantId, contactId);
  if (!contact) return undefined;
  const [sms, email, lists] = [
    await contacts.contacts.consentOf(tenantId, contact.id, 'sms'),
    await contacts.contacts.consentOf(tenantId, contact.id, 'email'),
    await contacts.lists.listsOf(tenantId, contact.id),
  ];
  const { id: _id, ...fields } = contact;
  return SimulatedContactSchema.parse({
    ...fields,
    consent: { sms: sms?.status ?? 'unknown', email: email?.status ?? 'unknown' },
    optedOut: {
      sms: contact.phone !== null && (await contacts.optOuts.isOptedOut(tenantId, 'sms', contact.phone)),
      email: contact.email !== null && (await contacts.optOuts.isOptedOut(tenantId, 'email', contact.email)),
    },
    lists: lists.map((list) => list.id),
    segments: await segmentsOf(deps, tenantId, contact.id, definition),
  });
}

async function segmentsOf(deps: SimulationServiceDeps, tenantId: string, contactId: string, definition: ScenarioDefinition): Promise<string[]> {
  const named = [...new Set(segmentsNamed(definition).map((reference) => reference.segmentId))];
  const inside = await Promise.all(named.map(async (segmentId) => ((await deps.segments.contains(tenantId, segmentId, contactId)) ? segmentId : undefined)));
  return inside.filter((segmentId) => segmentId !== undefined);
}

/** Simulates `definition` for the body's contact (or stored `contactId`) and events; nothing is stored, nothing is sent. */
export async function runSimulation(deps: SimulationServiceDeps, tenantId: string, scenarioId: string, definition: ScenarioDefinition, body: SimulationInput & { contactId?: string | undefined }) {
  const input = { ...body };
  if (body.contactId !== undefined) {
    const contact = await simulatedContact(deps, tenantId, body.contactId, definition);
    if (!contact) throw new InvalidInputError(`No contact with id "${body.contactId}" in this tenant.`, [{ path: 'body.contactId', message: 'unknown contact' }]);
    input.contact = contact;
  }
  const settings = await deps.sending.settings.get(tenantId);
  try {
    const result = await simulate(definition, input, { tenantId, scenarioId, settings, now: deps.engine.now() });
    return { ...result, runs: result.runs.map((run) => ({ ...run, steps: run.steps.map(stepRecordView) })) };
  } catch (error) {
    if (error instanceof Error && /loops without end/.test(error.message)) throw new UnprocessableError(error.message);
    throw error;
  }
}
