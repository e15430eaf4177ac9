import type { Connector } from './connector.ts';
import { connectorInfo, type ConnectorInfo } from './manifest.ts';

/** The connectors this hub version ships, by id. */
export class ConnectorRegistry {
  readonly #connectors = new Map<string, Connector>();

  register(connector: Connector): void {
    const { id } = connector.manifest;
    if (this.#connectors.has(id)) throw new Error(`Connector "${id}" is registered twice`);
    this.#connectors.set(id, connector);
  }

  get(id: string): Connector | undefined {
    return this.#connectors.get(id);
  }

  all(): Connector[] {
    return [...this.#connectors.values()];
  }

  list(): ConnectorInfo[] {
    return this.all().map((connector) => connectorInfo(connector.manifest, connector.plugin));
  }
}
