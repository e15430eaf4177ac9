import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface RunningProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM (graceful) by default; SIGKILL for crash tests. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `node <script>` with `env` and waits until `readyPath` answers 200, for at most
 * `readyTimeoutMs` (several processes starting at once on a busy machine need longer).
 */
export async function startProcess(script: string, env: Record<string, string>, port: number, readyPath = '/readyz', readyTimeoutMs = 60_000): Promise<RunningProcess> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, HUB_SMPP_PORT: '0', ...env, PORT: String(port), HUB_HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(url + readyPath)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${script} did not become ready: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
}

/** A call to a hub process's API with a tenant's key; JSON in and out. */
export async function callHub(baseUrl: string, apiKey: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${apiKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
}

/** What every hub process of one hub on one PostgreSQL shares: the database, the secret key, the public URL. */
export function sharedHubEnv(databaseUrl: string, publicUrl: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl, HUB_SECRET_KEY: randomBytes(32).toString('base64'), HUB_PUBLIC_URL: publicUrl, HUB_LOG_LEVEL: 'error', HUB_SMPP_PORT: 'off' };
}
