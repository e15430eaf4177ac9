/**
 * Connector actions as scenario actions, on both stores, with a connector of its own ("demo"): what
 * gets registered, which installation acts (named, the event's, the only one; else a clear failure),
 * the step's idempotency key reaching the action, and which failures end the step at once.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectorActionRegistry, type ConnectorActionContext } from '../automation/connector-actions.ts';
import { StepFailure } from '../automation/interpreter.ts';
import { ContactService } from '../contacts/contacts.ts';
import { RecordingPublisher } from '../contacts/test-support.ts';
import { ExternalUnavailableError } from '../errors.ts';
import { domainProblem } from '../gateway/problem.ts';
import type { JobQueue, JsonValue } from '../queue/job-queue.ts';
import type { Store } from '../store/db.ts';
import { createTenant } from '../tenancy/tenants.ts';
import { createVault } from '../vault/vault.ts';
import { testStores } from '../../test/support/stores.ts';
import { defineAction } from './action.ts';
import { defineConnector } from './connector.ts';
import type { ConnectorDeps } from './deps.ts';
import { ExternalSystemError } from './external-error.ts';
import { install, uninstall } from './lifecycle.ts';
import { defineManifest } from './manifest.ts';
import { connectorDeps } from './connectors-module.ts';
import { ConnectorRegistry } from './registry.ts';
import { registerScenarioActions } from './scenario-actions.ts';

const queue: JobQueue = {
  kind: 'store',
  add: async () => undefined,
  cancel: async () => true,
  process: () => undefined,
  schedule: async () => undefined,
  ping: async () => undefined,
  close: async () => undefined,
};

const demo = defineConnector({
  manifest: defineManifest({
    id: 'demo',
    name: 'Demo',
    description: 'A connector for the scenario action tests.',
    auth: 'api-key',
    installInput: z.object({ account: z.string().min(1) }).strict(),
    settings: z.object({}).strict(),
    credentials: z.object({ token: z.string() }),
    emits: [],
    docs: 'docs/connectors/contract.md',
  }),
  accountOf: (input) => input.account,
  prepare: async (input) => ({ account: input.account, settings: {}, credentials: { token: `token-of-${input.account}` } }),
  reconcile: async () => ({ changes: [] }),
  uninstall: async () => ({ changes: [] }),
  remoteResources: () => [],
  routes: async () => undefined,
  handle: async () => ({ status: 'ignored', events: [] }),
  actions: [
    defineAction({
      id: 'echo',
      title: 'Echo',
      description: 'Answers who acted, with what.',
      input: z.object({ say: z.string().min(1), times: z.number().int().default(1) }).strict(),
      // The input as the action's own schema parsed it (the default filled), the unsealed credentials, the step's key.
      run: async (input, ctx) => ({ input: input as JsonValue, token: (ctx.credentials as { token: string }).token, idempotencyKey: ctx.idempotencyKey ?? null }),
    }),
    defineAction({
      id: 'refuse',
      title: 'Refuse',
      description: 'The system refuses.',
      input: z.object({}).strict(),
      run: async () => {
        throw new ExternalSystemError('refused', 'The system refused the request (HTTP 400).');
      },
    }),
    defineAction({
      id: 'down',
      title: 'Down',
      description: 'The system is down.',
      input: z.object({}).strict(),
      run: async () => {
        throw new ExternalSystemError('server', 'The system failed (HTTP 503).');
      },
    }),
  ],
});

describe.each(testStores)('connector actions as scenario actions ($kind)', (factory) => {
  let store: Store;
  let deps: ConnectorDeps;
  const actions = new ConnectorActionRegistry();
  let tenantId = '';

  beforeAll(async () => {
    store = await factory.open();
    const log = pino({ level: 'silent' });
    const registry = new ConnectorRegistry();
    registry.register(demo);
    deps = connectorDeps({
      db: store,
      queue,
      bus: new RecordingPublisher(),
      contacts: new ContactService(store, new RecordingPublisher()),
      vault: createVault(randomBytes(32)),
      registry,
      log,
      publicUrl: 'https://hub.example.test/',
      network: { allowPrivateTargets: false },
      clock: () => new Date(),
    });
    registerScenarioActions(actions, deps);
    tenantId = (await createTenant(store, 'boutique')).id;
  });
  afterAll(async () => store?.close());

  const context = (overrides: Partial<ConnectorActionContext> = {}): ConnectorActionContext => ({
    tenantId,
    contactId: 'con_1',
    runId: 'run_1',
    idempotencyKey: 'scn:run_1:note:0',
    installationId: undefined,
    trigger: null,
    ...overrides,
  });
  const echo = (ctx: ConnectorActionContext) => actions.get('demo', 'echo')!.run(ctx, { say: 'bonjour' });
  const failureOf = async (promise: Promise<unknown>): Promise<Error> => {
    const error = await promise.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  };

  it('registers every action of every connector as <connector>.<action>, with the manifest\'s input schema', () => {
    expect(actions.names()).toEqual(['demo.down', 'demo.echo', 'demo.refuse']);
    const echoAction = actions.get('demo', 'echo')!;
    expect(echoAction).toMatchObject({ connector: 'demo', action: 'echo', title: 'Demo: Echo' });
    expect(echoAction.input).toBe(demo.manifest.actions[0]!.input);
  });

  it('not installed: the step fails and says how to install', async () => {
    const error = await failureOf(echo(context()));
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.message).toBe('Demo is not installed in this tenant: install it (POST /v1/connectors/demo/installations) before a scenario uses its actions');
  });

  it('one installation: it acts, with its credentials, the input parsed on the API\'s path and the step\'s idempotency key', async () => {
    const shop = await install(deps, demo, tenantId, { account: 'shop-a' });
    expect(await echo(context())).toEqual({
      installationId: shop.installation.id,
      output: { input: { say: 'bonjour', times: 1 }, token: 'token-of-shop-a', idempotencyKey: 'scn:run_1:note:0' },
    });
  });

  it('several installations: the one the step names, else the one the event came from, else a failure listing them', async () => {
    const a = (await install(deps, demo, tenantId, { account: 'shop-a' })).installation;
    const b = (await install(deps, demo, tenantId, { account: 'shop-b' })).installation;
    const error = await failureOf(echo(context()));
    expect(error).toBeInstanceOf(StepFailure);
    expect(error.message).toMatch(/^Demo is installed 2 times in this tenant \(ins_\w+ \(shop-b\), ins_\w+ \(shop-a\)\) and the step does not say which: set the action's "installation"/);
    expect(await echo(context({ installationId: b.id }))).toMatchObject({ installationId: b.id, output: { token: 'token-of-shop-b' } });
    const fromShopA = { source: 'demo', data: { orderId: '1', shop: { installationId: a.id, url: 'shop-a', name: 'A' } } };
    expect(await echo(context({ trigger: fromShopA }))).toMatchObject({ installationId: a.id, output: { token: 'token-of-shop-a' } });
    // An event from another source does not choose.
    expect(await failureOf(echo(context({ trigger: { ...fromShopA, source: 'api' } })))).toBeInstanceOf(StepFailure);
  });

  it('a named installation that is not this tenant\'s, or uninstalled, or the event\'s uninstalled one: the step fails', async () => {
    const other = await createTenant(store, 'autre');
    const theirs = (await install(deps, demo, other.id, { account: 'shop-z' })).installation;
    expect((await failureOf(echo(context({ installationId: theirs.id })))).message).toBe(
      `the step names the Demo installation "${theirs.id}", and this tenant has none with that id (GET /v1/connectors/demo/installations lists them)`,
    );
    const gone = (await install(deps, demo, tenantId, { account: 'shop-gone' })).installation;
    await uninstall(deps, tenantId, gone.id);
    expect((await failureOf(echo(context({ installationId: gone.id })))).message).toMatch(/installation ins_\w+ \(shop-gone\) the step names is uninstalled/);
    const fromGone = { source: 'demo', data: { shop: { installationId: gone.id } } };
    expect((await failureOf(echo(context({ trigger: fromGone })))).message).toMatch(/the run's event came from the Demo installation ins_\w+, which is no longer installed/);
  });

  it('a refusal fails the step at once; a system that is down is thrown as it is, for the step\'s job to retry', async () => {
    const a = (await install(deps, demo, tenantId, { account: 'shop-a' })).installation;
    const refused = await failureOf(actions.get('demo', 'refuse')!.run(context({ installationId: a.id }), {}));
    expect(refused).toBeInstanceOf(StepFailure);
    expect(refused.message).toBe(`Demo ${a.id} (shop-a): The system refused the request (HTTP 400).`);
    const down = await failureOf(actions.get('demo', 'down')!.run(context({ installationId: a.id }), {}));
    expect(down).not.toBeInstanceOf(StepFailure);
    expect(down).toBeInstanceOf(ExternalUnavailableError);
    expect(domainProblem(down as ExternalUnavailableError).status).toBe(502);
    // Input the action's schema refuses (the engine checks it first; here straight from a registrant's view).
    const invalid = await failureOf(actions.get('demo', 'echo')!.run(context({ installationId: a.id }), { say: '' }));
    expect(invalid).toBeInstanceOf(StepFailure);
    expect(invalid.message).toMatch(/action\.input\.say: /);
  });
});
