import { ConfigError, loadConfig, unknownHubVariables, type HubConfig } from './config.ts';
import { DataDirLockedError } from './store/data-dir-lock.ts';
import { createHub } from './hub.ts';
import { describeListenError } from './listen-error.ts';
import { createLogger } from './logger.ts';

/**
 * The process entry: `npm start`. Configuration errors, a locked data folder and a port that
 * cannot be bound end it with one readable line (exit 78, EX_CONFIG), not a stack trace.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  for (const warning of unknownHubVariables()) log.warn(warning);
  const hub = await createHub(config, { logger: log });
  const { url } = await hub.start().catch(async (error: unknown) => {
    await hub.stop().catch(() => {});
    throw new StartError(error, config);
  });
  hub.log.info(
    { role: config.role, store: 'databaseUrl' in config.store ? 'postgres' : `embedded (${config.dataDir})`, queue: hub.queue.kind, url, publicUrl: hub.config.publicUrl, docs: url && `${url}/docs` },
    'hub started',
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    hub.log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const force = setTimeout(() => {
      hub.log.error('shutdown timed out; exiting with work unfinished (it will be retried on the next start)');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    hub.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        hub.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** A failure of `hub.start()`, kept with the configuration so a listener error can name its variable. */
class StartError extends Error {
  readonly config: HubConfig;
  constructor(cause: unknown, config: HubConfig) {
    super('the hub failed to start', { cause });
    this.config = config;
  }
}

main().catch((error: unknown) => {
  const listenProblem = error instanceof StartError ? describeListenError(error.cause, error.config) : undefined;
  if (listenProblem !== undefined || error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(listenProblem ?? (error as Error).message);
    process.exit(78);
  }
  console.error(error instanceof StartError ? error.cause : error);
  process.exit(1);
});
