import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

export class DataDirLockedError extends Error {
  constructor(dataDir: string) {
    super(
      `Another hub process is already using the data folder ${dataDir}. ` +
        'Two processes on one embedded store silently lose data: stop the other process, ' +
        'or give this one its own folder with HUB_DATA_DIR, or use PostgreSQL (DATABASE_URL) to run several processes.',
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * An exclusive lock on the embedded data folder, held for the life of the process.
 *
 * The lock is a listening socket in Linux's abstract namespace, named after the folder's real path.
 * The kernel frees it the instant the process dies, even on SIGKILL, so a restart never waits for a
 * stale lock to age out (as lock files with a staleness timeout do) and never trusts a reused PID.
 */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  const key = createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 32);
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new DataDirLockedError(dataDir) : error);
    });
    server.listen(`\0connector-hub-${key}`, () => resolve());
  });
  server.unref();
  return {
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
