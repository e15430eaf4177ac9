import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, unknownHubVariables } from '../src/config.ts';

/**
 * compose.yaml cannot be run here (no Docker), so its structure is checked instead: every variable it
 * sets is one the hub reads and README documents, each service's environment passes the hub's own
 * configuration check, the healthchecks probe the ports the processes listen on, and HAProxy routes
 * to the gateways' HTTP and SMPP ports with /readyz checks.
 */
const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('compose.yaml', root), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; command?: string[]; deploy?: { replicas: number }; ports?: string[]; volumes?: string[] }>;
};
const readme = readFileSync(new URL('README.md', root), 'utf8');
const haproxy = readFileSync(new URL('deploy/haproxy.cfg', root), 'utf8');

/** Compose's interpolation: `${NAME:?message}` takes the operator's value, `${NAME:-default}` the default. */
function interpolate(environment: Record<string, string>, given: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, variable: string, kind: string, rest: string) => given[variable] ?? (kind === '-' ? rest : '')),
    ]),
  );
}
const operator = { HUB_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
const hubServices = ['migrate', 'gateway', 'worker'] as const;

describe('compose.yaml', () => {
  it('has PostgreSQL, Redis, a one-shot migration, gateways and workers behind a load balancer', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'loadbalancer', 'migrate', 'postgres', 'redis', 'worker']);
    expect(compose.services.migrate!.command).toEqual(['npm', 'run', '-s', 'hub', '--', 'migrate']);
    for (const role of ['gateway', 'worker']) {
      expect(compose.services[role]!.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(compose.services[role]!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    }
    expect(compose.services.loadbalancer!.ports).toEqual(['3000:3000', '2775:2775']);
  });

  it('sets only variables the hub reads and README documents, with values the hub accepts', () => {
    for (const service of hubServices) {
      const environment = interpolate(compose.services[service]!.environment!, operator);
      expect(unknownHubVariables(environment), service).toEqual([]);
      for (const name of Object.keys(environment)) expect(readme, `${service}: ${name} is not in README`).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'));
      expect(() => loadConfig(environment), service).not.toThrow();
    }
    expect(loadConfig(interpolate(compose.services.gateway!.environment!, operator)).role).toBe('gateway');
    expect(loadConfig(interpolate(compose.services.worker!.environment!, operator)).role).toBe('worker');
  });

  it('probes /readyz on the port each role listens on, and the load balancer checks it too', () => {
    const gateway = loadConfig(interpolate(compose.services.gateway!.environment!, operator));
    const worker = loadConfig(interpolate(compose.services.worker!.environment!, operator));
    for (const [service, port] of [['gateway', gateway.port], ['worker', worker.healthPort]] as const) {
      expect(compose.services[service]!.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
    }
    expect(haproxy).toContain(`gateway:${gateway.port} check`);
    expect(haproxy).toContain(`gateway:${gateway.smpp.port} check port ${gateway.port}`);
    expect(haproxy.match(/option httpchk GET \/readyz/g)).toHaveLength(2);
    expect(compose.services.loadbalancer!.volumes).toContain('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });
});
