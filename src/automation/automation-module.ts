/**
 * The automation part as the hub wires it:
 *
 *   const automation = createAutomationModule({ db: store, queue, bus, sending, contacts, log, surveyLinks: createSurveyLinks(secretKey, publicUrl) });
 *   createConnectorsModule({ …, scenarioActions: automation.connectorActions,       // every connector action, at composition
 *     scenarioLibrary: automation.library });                                        // templates suggested at install
 *   await automation.startWorkers();                         // worker role
 *
 * The engine registers itself with the bus as the `scenario` subscriber source.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus.ts';
import type { ContactsModule } from '../contacts/contacts-module.ts';
import type { RouteModule } from '../gateway/app.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { SendingModule } from '../sending/sending-module.ts';
import type { Db } from '../store/db.ts';
import { ConnectorActionRegistry } from './connector-actions.ts';
import { AutomationEngine, type AutomationTuning } from './engine.ts';
import { runOfEffectKey, type RunEvent } from './run.ts';
import { getRun } from './run-store.ts';
import { automationRoutes } from './routes/index.ts';
import { SegmentActivity } from './segments/activity.ts';
import { Segments } from './segments/segments.ts';
import { scenarioChecks } from './scenario-checks.ts';
import { ScenarioTemplates } from './templates/index.ts';
import { scenarioLibrary, type ScenarioLibrary } from './templates/instantiate.ts';
import type { SurveyLinks } from './surveys/survey-links.ts';
import { SurveyReplies } from './surveys/survey-replies.ts';
import { surveyRouteModule } from './surveys/survey-routes.ts';
import { createSurveys, type Surveys } from './surveys/surveys.ts';

export interface AutomationModuleOptions {
  db: Db;
  queue: JobQueue;
  bus: Pick<EventBus, 'publish' | 'addSource'>;
  sending: SendingModule;
  contacts: ContactsModule;
  log: Logger;
  /** Signs the links of satisfaction questions (`createSurveyLinks(hub secret key, public URL)`). */
  surveyLinks: SurveyLinks;
  clock?: () => Date;
  tuning?: Partial<AutomationTuning>;
}

export interface AutomationModule {
  readonly engine: AutomationEngine;
  /** Actions connectors offer to scenarios; the connectors module registers every connector's (scenario-actions.ts). */
  readonly connectorActions: ConnectorActionRegistry;
  readonly segments: Segments;
  /** The scenario library; connectors with loops of their own (calendar reminders, CRM billing) add templates at composition. */
  readonly templates: ScenarioTemplates;
  /** The library as other parts use it: suggestions, scenarios created on a tenant's behalf. */
  readonly library: ScenarioLibrary;
  /** Satisfaction questions: their rows, answers, the page. */
  readonly surveys: Surveys;
  readonly routes: RouteModule[];
  /** The event that started the run whose step sent a message, from the message's idempotency key (`scn:<run>:…`); undefined when no run sent it. */
  messageCause(tenantId: string, idempotencyKey: string | null): Promise<RunEvent | undefined>;
  startWorkers(): Promise<void>;
}

export function createAutomationModule(options: AutomationModuleOptions): AutomationModule {
  const connectorActions = new ConnectorActionRegistry();
  const templates = new ScenarioTemplates();
  const surveys = createSurveys({ db: options.db, publisher: options.bus, links: options.surveyLinks });
  // The engine's clock is the business clock of segments too (tests move both with engine.useClock).
  const segments = new Segments({ db: options.db, queue: options.queue, publisher: options.bus, contacts: options.contacts.contacts, log: options.log, clock: (): Date => engine.now() });
  const engine = new AutomationEngine({
    db: options.db,
    queue: options.queue,
    publisher: options.bus,
    sending: options.sending,
    contacts: options.contacts,
    connectorActions,
    surveys,
    log: options.log,
    clock: options.clock,
    tuning: options.tuning,
    inSegment: (tenantId, segmentId, contactId): Promise<boolean> => segments.contains(tenantId, segmentId, contactId),
  });
  options.bus.addSource(engine);
  options.bus.addSource(new SegmentActivity({ db: options.db, contacts: options.contacts.contacts, log: options.log }));
  options.bus.addSource(new SurveyReplies({ surveys, clock: (): Date => engine.now() }));
  return {
    engine,
    connectorActions,
    segments,
    templates,
    library: scenarioLibrary({ db: options.db, engine, checks: scenarioChecks({ db: options.db, connectorActions, segments }), templates }),
    surveys,
    routes: [
      ...automationRoutes({ db: options.db, engine, sending: options.sending, contacts: options.contacts, connectorActions, segments, templates }),
      surveyRouteModule({ surveys, clock: (): Date => engine.now(), log: options.log }),
    ],
    async messageCause(tenantId, idempotencyKey) {
      const runId = runOfEffectKey(idempotencyKey);
      return runId === undefined ? undefined : ((await getRun(options.db, runId, tenantId))?.trigger ?? undefined);
    },
    async startWorkers() {
      await engine.startWorkers();
      await segments.startWorkers();
    },
  };
}
