import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { woocommerce } from '../../connectors/woocommerce/index.ts';
import { defineAction } from './action.ts';
import { defineConnector, type ConnectorDeclaration } from './connector.ts';
import { connectorInfo, defineManifest } from './manifest.ts';

const echo = defineAction({
  id: 'echo',
  title: 'Echo',
  description: 'Returns its input.',
  input: z.object({ say: z.string(), times: z.number().int().default(1) }).strict(),
  run: async (input) => ({ said: input.say.repeat(input.times) }),
});

const declaration = (actions: ConnectorDeclaration['actions']): ConnectorDeclaration => ({
  manifest: defineManifest({
    id: 'demo',
    name: 'Demo',
    description: 'Declares actions.',
    auth: 'none',
    installInput: z.object({}),
    settings: z.object({}),
    credentials: z.object({}),
    emits: [],
    docs: 'docs/connectors/contract.md',
  }),
  accountOf: () => 'demo',
  prepare: async () => ({ account: 'demo', settings: {}, credentials: {} }),
  reconcile: async () => ({ changes: [] }),
  uninstall: async () => ({ changes: [] }),
  remoteResources: () => [],
  routes: async () => undefined,
  handle: async () => ({ status: 'ignored', events: [] }),
  actions,
});

describe('actions declared once (defineAction)', () => {
  it('builds the manifest list (no code in it) and the runnable table from the declarations', async () => {
    const connector = defineConnector(declaration([echo]));
    expect(connector.manifest.actions).toEqual([{ id: 'echo', title: 'Echo', description: 'Returns its input.', input: echo.input }]);
    expect(connector.manifest.actions[0]).not.toHaveProperty('run');
    expect(await connector.actions.echo!.run({ say: 'ha', times: 3 }, {} as never)).toEqual({ said: 'hahaha' });
    expect(Object.keys(connector.actions)).toEqual(['echo']);
  });

  it('refuses an action declared twice and an id scenarios could not name', () => {
    expect(() => defineConnector(declaration([echo, echo]))).toThrow('Connector demo: action "echo" is declared twice');
    expect(() => defineAction({ ...echo, id: 'Add Note' })).toThrow('Action id "Add Note" must be a lower-case slug');
  });

  it('WooCommerce: GET /v1/connectors lists its actions in declaration order with their input schemas', () => {
    const info = connectorInfo(woocommerce.manifest);
    expect(info.actions.map(({ id, title }) => ({ id, title }))).toEqual([
      { id: 'add-order-note', title: 'Add an order note' },
      { id: 'get-order', title: 'Read an order' },
      { id: 'get-product', title: 'Read a product' },
    ]);
    expect(info.actions[0]!.input).toMatchObject({ type: 'object', required: ['orderId', 'note'], additionalProperties: false });
    expect(Object.keys(woocommerce.actions)).toEqual(['add-order-note', 'get-order', 'get-product']);
  });
});
