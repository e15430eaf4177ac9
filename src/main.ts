import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './store/data-dir-lock.ts';
import { createHub } from './hub.ts';

/** The process entry: `npm start`. Configuration errors and a locked data folder end it with a readable message. */
async function main(): Promise<void> {
  const config = loadConfig();
  const hub = await createHub(config);
  const { url } = await hub.start();
  hub.log.info(
    { role: config.role, store: 'databaseUrl' in config.store ? 'postgres' : `embedded (${config.dataDir})`, queue: hub.queue.kind, url, docs: url && `${url}/docs` },
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

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(error.message);
    process.exit(78);
  }
  console.error(error);
  process.exit(1);
});
