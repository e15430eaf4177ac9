/** What every /v1/connectors route starts with: its path parameters, and the connector and installation they name (or a 404). */
import { z } from 'zod';
import { HttpProblem, notFound } from '../../gateway/problem.ts';
import type { Connector } from '../connector.ts';
import type { ConnectorDeps } from '../deps.ts';
import { getInstallation, type StoredInstallation } from '../installation-store.ts';

export const ConnectorParams = z.object({ connectorId: z.string().min(1).max(40) });
export const InstallationParams = ConnectorParams.extend({ installationId: z.string().min(1).max(64) });

export function connectorLookup(deps: ConnectorDeps) {
  const connectorOr404 = (id: string): Connector => {
    const connector = deps.registry.get(id);
    if (!connector) throw new HttpProblem(404, 'not-found', `No connector "${id}"; GET /v1/connectors lists them (${deps.registry.all().map((one) => one.manifest.id).join(', ')}).`);
    return connector;
  };
  const installationOr404 = async (tenantId: string, connector: Connector, id: string): Promise<StoredInstallation> => {
    const installation = await getInstallation(deps.db, tenantId, id);
    if (!installation || installation.connector !== connector.manifest.id) throw notFound(`${connector.manifest.name} installation`, id);
    return installation;
  };
  return { connectorOr404, installationOr404 };
}
