import type { HubConfig } from './config.ts';

/**
 * A listener that cannot bind (port taken, or below 1024 without privileges) is a configuration
 * problem, not a crash: one line naming the port and the variable that sets it, instead of a stack.
 */
export function describeListenError(error: unknown, config: HubConfig): string | undefined {
  const failure = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (failure?.code !== 'EADDRINUSE' && failure?.code !== 'EACCES' && failure?.code !== 'EADDRNOTAVAIL') return undefined;
  const listeners: Array<[string, number | undefined]> = [
    ['PORT', config.port],
    ['HUB_SMPP_PORT', config.smpp.port],
    ['HUB_SMPP_TLS_PORT', config.smpp.tls?.port],
    ['HUB_HEALTH_PORT', config.role === 'worker' ? config.healthPort : undefined],
  ];
  const variable = listeners.find(([, port]) => port !== undefined && port === failure.port)?.[0] ?? 'PORT';
  const where = `${failure.address ?? config.host}:${failure.port ?? '?'}`;
  switch (failure.code) {
    case 'EADDRINUSE':
      return `Cannot listen on ${where} (${variable}): the port is already in use. Stop the other process or choose another port with ${variable}=<port>.`;
    case 'EACCES':
      return `Cannot listen on ${where} (${variable}): ports below 1024 need privileges. Choose a port above 1023 with ${variable}=<port>.`;
    default:
      return `Cannot listen on ${where} (${variable}): HUB_HOST=${config.host} is not an address of this machine. Use 0.0.0.0, 127.0.0.1 or one of its addresses.`;
  }
}
