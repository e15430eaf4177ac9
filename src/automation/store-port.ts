/**
 * The interpreter's port on the hub: runs and step records in the store, waits as delayed queue
 * jobs, sends through the sending core (with the step's idempotency key), contact changes through
 * the contacts part, events through the bus, connector actions through their registry.
 */
import { ContactConflictError, ContactInputError } from '../contacts/errors.ts';
import type { ContactsModule } from '../contacts/contacts-module.ts';
import type { EventPublisher } from '../contacts/contacts.ts';
import type { JsonValue } from '../contacts/schemas.ts';
import { isRefusal } from '../errors.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { SendInputError, type EmailItem, type SmsItem } from '../sending/requests.ts';
import type { SendingModule } from '../sending/sending-module.ts';
import type { Db } from '../store/db.ts';
import { render, TemplateError } from '../sending/template.ts';
import { actionTemplateContext, formatInputPath } from './action-input.ts';
import type { ConnectorActionRegistry } from './connector-actions.ts';
import { StepFailure, type AutomationPort } from './interpreter.ts';
import { messageItem } from './message-item.ts';
import type { Facts, MessageStatusValue } from './predicates.ts';
import type { ContactSnapshot } from './reactions.ts';
import { completeStep, enterStep, noteStep, sentMessageId, suspendRun } from './run-store.ts';
import type { Run } from './run.ts';
import type { SurveyInvitation } from './scenario.ts';
import type { Surveys } from './surveys/surveys.ts';

export const WAKE_JOB = 'automation.wake';
export const ADVANCE_JOB = 'automation.advance';

export type WakeJob = { tenantId: string; runId: string; stepId: string; rotation: number };
export type AdvanceJob = { tenantId: string; runId: string };

/** The job that ends a wait: one id per (run, step, rotation), so an exit event can cancel it. */
export function wakeJobId(runId: string, stepId: string, rotation: number): string {
  return `auto.wake.${runId}.${stepId}.${rotation}`;
}

export const WAKE_JOB_OPTIONS = { attempts: 10, backoff: { type: 'exponential' as const, delayMs: 1_000 } };

export interface StorePortDeps {
  db: Db;
  queue: JobQueue;
  publisher: EventPublisher;
  sending: Pick<SendingModule, 'sendSms' | 'sendEmail' | 'getMessage' | 'settings'>;
  contacts: ContactsModule;
  connectorActions: ConnectorActionRegistry;
  clock: () => Date;
  /** Satisfaction questions asked by SMS steps with `survey`. */
  surveys: Pick<Surveys, 'invite' | 'attachMessage'>;
  /** Segment membership, once segments exist. */
  inSegment?: (tenantId: string, segmentId: string, contactId: string) => Promise<boolean>;
}

export async function contactSnapshot(contacts: ContactsModule, tenantId: string, contactId: string): Promise<ContactSnapshot | undefined> {
  const contact = await contacts.contacts.getContact(tenantId, contactId);
  if (!contact) return undefined;
  return {
    id: contact.id,
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email,
    phone: contact.phone,
    locale: contact.locale,
    timeZone: contact.timeZone,
    attributes: contact.attributes,
    externalIds: contact.externalIds,
  };
}

export function storeFacts(deps: StorePortDeps, tenantId: string, contactId: string, run?: Pick<Run, 'id' | 'rotation'>): Facts {
  return {
    inList: (listId) => deps.contacts.lists.isMember(tenantId, listId, contactId),
    consent: async (channel) => (await deps.contacts.contacts.consentOf(tenantId, contactId, channel))?.status ?? 'unknown',
    messageStatus: async (stepId): Promise<MessageStatusValue> => {
      if (!run) return 'none';
      const messageId = await sentMessageId(deps.db, run.id, stepId, run.rotation);
      if (messageId === undefined) return 'none';
      return (await deps.sending.getMessage(tenantId, messageId))?.status ?? 'none';
    },
    inSegment: async (segmentId) => (deps.inSegment ? deps.inSegment(tenantId, segmentId, contactId) : false),
  };
}

/** The question an SMS asks: stored once per send (the idempotency key), its `ref` rendered for this run. */
async function invite(deps: StorePortDeps, run: Run, survey: SurveyInvitation, contact: ContactSnapshot | undefined, messageKey: string) {
  let ref: string | undefined;
  try {
    ref = survey.ref === undefined ? undefined : render(survey.ref, actionTemplateContext(contact, run.trigger)).slice(0, 200);
  } catch (error) {
    if (error instanceof TemplateError) throw new StepFailure(`survey.ref: ${error.message}`);
    throw error;
  }
  return deps.surveys.invite(
    { tenantId: run.tenantId, contactId: run.contactId, messageKey, via: survey.via, ref, scenarioId: run.scenarioId, locale: contact?.locale, validFor: survey.validFor },
    deps.clock(),
  );
}

function failure(error: unknown): never {
  if (error instanceof SendInputError || error instanceof ContactInputError) throw new StepFailure(error.message);
  if (error instanceof ContactConflictError) throw new StepFailure(error.message);
  if (isRefusal(error)) throw new StepFailure(error.message);
  throw error;
}

export function storePort(deps: StorePortDeps): AutomationPort {
  const { db, queue } = deps;
  return {
    now: () => deps.clock(),
    contact: (run) => contactSnapshot(deps.contacts, run.tenantId, run.contactId),
    facts: (run) => storeFacts(deps, run.tenantId, run.contactId, run),
    quietHours: async (tenantId) => (await deps.sending.settings.get(tenantId)).quietHours,
    enter: (run, step) => enterStep(db, run, step, deps.clock()),
    note: (run, step, detail) => noteStep(db, run, step.id, detail),
    async complete(run, step, completion) {
      const moved = await completeStep(db, run, step, completion, deps.clock());
      // A waitFor that got its event no longer needs its timeout.
      if (moved && completion.outcome === 'happened') await queue.cancel(wakeJobId(run.id, step.id, run.rotation));
      return moved;
    },
    async suspend(run, step, until, waitingFor, detail) {
      const job = wakeJobId(run.id, step.id, run.rotation);
      const suspended = await suspendRun(db, run, step, { at: until, job, waitingFor }, detail);
      // Stored first, then the job: a crash in between leaves a waiting run the sweeper finds overdue.
      if (suspended) {
        await queue.add(WAKE_JOB, { tenantId: run.tenantId, runId: run.id, stepId: step.id, rotation: run.rotation } satisfies WakeJob, {
          jobId: job,
          delayMs: Math.max(0, until.getTime() - deps.clock().getTime()),
          ...WAKE_JOB_OPTIONS,
        });
      }
      return suspended;
    },
    async send(run, _step, action, idempotencyKey) {
      const needsContact = action.to !== undefined || (action.kind === 'sendSms' && action.survey !== undefined);
      const contact = needsContact ? await contactSnapshot(deps.contacts, run.tenantId, run.contactId) : undefined;
      const survey = action.kind === 'sendSms' && action.survey ? await invite(deps, run, action.survey, contact, idempotencyKey) : undefined;
      const item = messageItem(action, run, { contact, surveyUrl: survey?.url });
      const message = await (action.kind === 'sendSms'
        ? deps.sending.sendSms(run.tenantId, item as SmsItem, { idempotencyKey })
        : deps.sending.sendEmail(run.tenantId, item as EmailItem, { idempotencyKey })
      ).catch(failure);
      if (survey) await deps.surveys.attachMessage(run.tenantId, survey.id, message.id);
      return { messageId: message.id, status: message.status, scheduledFor: message.scheduledFor };
    },
    async updateContact(run, patch) {
      const attributes = patch.attributes as Record<string, JsonValue> | undefined;
      const updated = await deps.contacts.contacts
        .updateContact(run.tenantId, run.contactId, { ...(patch.firstName === undefined ? {} : { firstName: patch.firstName }), ...(patch.lastName === undefined ? {} : { lastName: patch.lastName }), ...(attributes ? { attributes } : {}) })
        .catch(failure);
      if (!updated) throw new StepFailure('the contact was erased');
    },
    async list(run, change, listId) {
      const result = change === 'add' ? await deps.contacts.lists.addMember(run.tenantId, listId, run.contactId) : await deps.contacts.lists.removeMember(run.tenantId, listId, run.contactId);
      if (result === 'not-found') throw new StepFailure(`no list "${listId}" in this tenant (or the contact was erased)`);
    },
    async publish(run, type, data, dedupeKey) {
      const published = await deps.publisher.publish({ tenantId: run.tenantId, source: 'automation', type, dedupeKey, subject: { contactId: run.contactId }, data });
      return { eventId: published.id };
    },
    async connector(run, call, idempotencyKey) {
      const name = `${call.connector}.${call.action}`;
      const action = deps.connectorActions.get(call.connector, call.action);
      if (!action) throw new StepFailure(`no connector action "${name}" is available (available: ${deps.connectorActions.names().join(', ') || 'none'})`);
      // The rendered input, checked as at save time; the action gets it as written and parses it on its own path.
      const parsed = action.input.safeParse(call.input);
      if (!parsed.success) throw new StepFailure(`${name}: ${parsed.error.issues.map((issue) => `${formatInputPath('action.input', issue.path)}: ${issue.message}`).join('; ')}`);
      const trigger = run.trigger && { source: run.trigger.source, data: run.trigger.data };
      return action
        .run({ tenantId: run.tenantId, contactId: run.contactId, runId: run.id, idempotencyKey, installationId: call.installation, trigger }, call.input)
        .catch(failure);
    },
  };
}
