/**
 * The automation API, one file per resource: scenarios (CRUD and validate), their lifecycle, their
 * runs, simulation, segments, and the scenario library (templates). Each route file parses, calls the part's functions and answers.
 */
import type { ContactsModule } from '../../contacts/contacts-module.ts';
import type { RouteModule } from '../../gateway/app.ts';
import type { SendingModule } from '../../sending/sending-module.ts';
import type { Db } from '../../store/db.ts';
import type { ConnectorActionRegistry } from '../connector-actions.ts';
import type { AutomationEngine } from '../engine.ts';
import { scenarioChecks } from '../scenario-checks.ts';
import type { Segments } from '../segments/segments.ts';
import { scenarioLifecycleRoutes } from './lifecycle.ts';
import { runRoutes } from './runs.ts';
import { scenarioRoutes } from './scenarios.ts';
import { segmentRoutes } from './segments.ts';
import { simulationRoutes } from './simulation.ts';
import { templateRoutes } from './templates.ts';
import type { ScenarioTemplates } from '../templates/index.ts';

export interface AutomationRouteDeps {
  db: Db;
  engine: AutomationEngine;
  sending: Pick<SendingModule, 'settings'>;
  contacts: ContactsModule;
  connectorActions: ConnectorActionRegistry;
  segments: Segments;
  templates: ScenarioTemplates;
}

export function automationRoutes(deps: AutomationRouteDeps): RouteModule[] {
  const { db, engine } = deps;
  const checks = scenarioChecks(deps);
  return [
    { scope: 'v1', register: async (app) => void (await app.register(scenarioLifecycleRoutes, { db, engine, checks })) },
    { scope: 'v1', register: async (app) => void (await app.register(scenarioRoutes, { db, engine, checks })) },
    { scope: 'v1', register: async (app) => void (await app.register(runRoutes, { db, engine })) },
    { scope: 'v1', register: async (app) => void (await app.register(simulationRoutes, { db, engine, checks, sending: deps.sending, contacts: deps.contacts, segments: deps.segments })) },
    { scope: 'v1', register: async (app) => void (await app.register(segmentRoutes, { db, segments: deps.segments })) },
    { scope: 'v1', register: async (app) => void (await app.register(templateRoutes, { db, engine, checks, templates: deps.templates })) },
  ];
}
