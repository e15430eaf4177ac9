/**
 * The SMPP listeners: plain TCP on HUB_SMPP_PORT (2775 by default, the port SMSCs conventionally use)
 * and optionally TLS on HUB_SMPP_TLS_PORT. Each connection is an `EsmeConnection`; a connection's
 * failure closes that connection only.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { EsmeConnection, type ConnectionDeps } from './esme-connection.ts';

export interface SmppListenOptions {
  host: string;
  port: number;
  tls?: { port: number; certFile: string; keyFile: string };
}

export class SmppServer {
  readonly #deps: ConnectionDeps;
  readonly #log: Logger;
  readonly #servers: net.Server[] = [];
  readonly #connections = new Set<EsmeConnection>();
  port: number | undefined;
  tlsPort: number | undefined;

  constructor(deps: ConnectionDeps) {
    this.#deps = deps;
    this.#log = deps.log;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async listen(options: SmppListenOptions): Promise<void> {
    const plain = net.createServer((socket) => this.#accept(socket));
    this.port = await this.#start(plain, options.host, options.port);
    if (options.tls) {
      const [cert, key] = await Promise.all([readFile(options.tls.certFile), readFile(options.tls.keyFile)]);
      const secure = tls.createServer({ cert, key, minVersion: 'TLSv1.2' }, (socket) => this.#accept(socket));
      // A failed handshake destroys that socket; logged, never thrown.
      secure.on('tlsClientError', (error) => this.#log.info({ err: error }, 'smpp: TLS handshake failed'));
      this.tlsPort = await this.#start(secure, options.host, options.tls.port);
    }
    this.#log.info({ port: this.port, tlsPort: this.tlsPort }, 'smpp: listening');
  }

  async #start(server: net.Server, host: string, port: number): Promise<number> {
    server.listen(port, host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    server.on('error', (error) => this.#log.error({ err: error }, 'smpp: listener error'));
    this.#servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  #accept(socket: Socket): void {
    const connection = new EsmeConnection(socket, this.#deps);
    this.#connections.add(connection);
    void connection.session.closed.then(() => this.#connections.delete(connection));
  }

  /** Stops listening, unbinds bound sessions (§4.2, at most `graceMs`), closes the rest. */
  async close(graceMs = 2_000): Promise<void> {
    const closing = this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    this.#servers.length = 0;
    await Promise.all(
      [...this.#connections].map(async ({ session, accountId }) => {
        if (accountId === '') return session.destroy('hub stopping');
        const timer = setTimeout(() => session.destroy('hub stopping'), graceMs);
        await session.unbind();
        clearTimeout(timer);
      }),
    );
    await Promise.all(closing);
  }
}
