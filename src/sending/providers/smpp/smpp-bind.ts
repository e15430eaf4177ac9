/**
 * One bind to the SMSC, kept up: connect (TCP or TLS), bind, and when the link is lost or the bind
 * refused, try again after an exponential backoff with jitter (so a fleet of hubs does not
 * re-bind in step after an SMSC restart). Nothing the SMSC does throws out of here: a refused bind,
 * a reset, a garbled PDU all end in a log line and another attempt. `close()` unbinds gracefully.
 *
 * The provider holds one (`bind_transceiver`) or two (`bind_transmitter` + `bind_receiver`).
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { connectGuarded } from '../../../net/guarded-connection.ts';
import { backoffDelayMs } from '../../../retry/backoff.ts';
import type { NetworkPolicy } from '../../../net/outbound-guard.ts';
import { describeCloseReason, INTERFACE_VERSION_34, SmppSession } from '../../../smpp-protocol/index.ts';
import type { IncomingRequest, SmppSessionOptions, SmppWarning } from '../../../smpp-protocol/index.ts';
import { describeStatus } from './smpp-submit-status.ts';

export type BindCommand = 'bind_transceiver' | 'bind_transmitter' | 'bind_receiver';
export type BindState = 'connecting' | 'bound' | 'waiting' | 'closed';

export interface SmppBindOptions {
  command: BindCommand;
  host: string;
  port: number;
  tls?: { ca?: string[] | undefined; servername?: string | undefined } | undefined;
  /** The SMSC is a tenant-given host: connected to through the outbound guard. */
  network: NetworkPolicy;
  connectTimeoutMs: number;
  systemId: string;
  password: string;
  systemType: string;
  session: SmppSessionOptions;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  onRequest(session: SmppSession, pdu: IncomingRequest): void;
  log: Logger;
  random?: () => number;
}

/** A link that stayed bound this long was healthy: the next loss starts the backoff over. */
const STABLE_AFTER_MS = 30_000;

export interface BindStatus {
  command: BindCommand;
  state: BindState;
  /** Why the last attempt failed or the last link ended. */
  lastError: string | undefined;
  /** When the next attempt is due, while waiting. */
  retryAt: Date | undefined;
}

export class SmppBind {
  readonly command: BindCommand;
  readonly #options: SmppBindOptions;
  readonly #log: Logger;
  readonly #random: () => number;
  #state: BindState = 'connecting';
  #session: SmppSession | undefined;
  /** The attempt under way, ended by `close()`: the connection being made, then the bind being sent. */
  #connecting: { abort: AbortController; socket?: net.Socket; session?: SmppSession } | undefined;
  #lastError: string | undefined;
  #retryAt: number | undefined;
  #attempt = 0;
  #closed = false;
  #wake: (() => void) | undefined;
  readonly #waiters = new Set<{ resolve(session: SmppSession | undefined): void; timer: NodeJS.Timeout }>();
  #loop: Promise<void> | undefined;

  constructor(options: SmppBindOptions) {
    this.command = options.command;
    this.#options = options;
    this.#log = options.log.child({ bind: options.command });
    this.#random = options.random ?? Math.random;
  }

  get state(): BindState {
    return this.#state;
  }

  status(): BindStatus {
    return {
      command: this.command,
      state: this.#state,
      lastError: this.#lastError,
      retryAt: this.#state === 'waiting' && this.#retryAt !== undefined ? new Date(this.#retryAt) : undefined,
    };
  }

  /** Describes why no link is available, for a message's retry reason. */
  describeUnavailable(): string {
    const where = `${this.#options.host}:${this.#options.port}`;
    return this.#lastError ? `not bound to ${where} (${this.#lastError})` : `not bound to ${where} yet`;
  }

  /** Milliseconds until the next bind attempt, when one is scheduled. */
  nextAttemptInMs(): number | undefined {
    return this.#state === 'waiting' && this.#retryAt !== undefined ? Math.max(0, this.#retryAt - Date.now()) : undefined;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** The bound session, waiting for one until `deadline` (epoch ms); undefined if none by then. */
  ready(deadline: number): Promise<SmppSession | undefined> {
    if (this.#session && !this.#session.isClosed) return Promise.resolve(this.#session);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = {
        resolve,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve(undefined);
        }, Math.max(0, deadline - Date.now())),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Ends a link the SMSC no longer honours (e.g. ESME_RINVBNDSTS); the loop binds again. */
  drop(session: SmppSession, why: string): void {
    if (session !== this.#session) return;
    this.#lastError = why;
    session.destroy(why);
  }

  /** Unbinds (after in-flight requests are answered or time out) and stops re-binding. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    for (const waiter of [...this.#waiters]) {
      clearTimeout(waiter.timer);
      waiter.resolve(undefined);
    }
    this.#waiters.clear();
    if (this.#connecting) {
      this.#connecting.abort.abort();
      this.#connecting.session?.destroy('provider closing');
      this.#connecting.socket?.destroy();
    }
    const session = this.#session;
    if (session && !session.isClosed) await session.unbind();
    await this.#loop;
    this.#state = 'closed';
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      let boundAt: number | undefined;
      try {
        const session = await this.#connectAndBind();
        if (this.#closed) {
          await session.unbind();
          break;
        }
        boundAt = Date.now();
        this.#session = session;
        this.#state = 'bound';
        this.#lastError = undefined;
        this.#log.info({ host: this.#options.host, port: this.#options.port }, 'smpp: bound');
        for (const waiter of [...this.#waiters]) {
          clearTimeout(waiter.timer);
          waiter.resolve(session);
        }
        this.#waiters.clear();
        const reason = await session.closed;
        this.#session = undefined;
        if (this.#closed) break;
        this.#lastError ??= describeCloseReason(reason);
        this.#log.warn({ reason: describeCloseReason(reason) }, 'smpp: link lost, binding again');
      } catch (error) {
        this.#lastError = error instanceof Error ? error.message : String(error);
        if (!this.#closed) this.#log.warn({ err: this.#lastError, attempt: this.#attempt + 1 }, 'smpp: bind failed');
      }
      if (this.#closed) break;
      if (boundAt !== undefined && Date.now() - boundAt >= STABLE_AFTER_MS) this.#attempt = 0;
      await this.#backoff();
    }
    this.#state = 'closed';
  }

  /** Waits before the next attempt: initial · 2^attempt capped, with equal jitter (half fixed, half random). */
  async #backoff(): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.#options.reconnect;
    const delay = backoffDelayMs({ baseMs: initialDelayMs, capMs: maxDelayMs, jitter: 'equal' }, this.#attempt, this.#random);
    this.#attempt++;
    this.#state = 'waiting';
    this.#retryAt = Date.now() + delay;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
    this.#retryAt = undefined;
    if (!this.#closed) this.#state = 'connecting';
  }

  async #connectAndBind(): Promise<SmppSession> {
    this.#state = 'connecting';
    const abort = new AbortController();
    this.#connecting = { abort };
    const socket = await this.#connect(abort.signal);
    const session = new SmppSession(socket, this.#options.session);
    this.#connecting = { abort, socket, session };
    session.on('request', (pdu) => this.#options.onRequest(session, pdu));
    session.on('warning', (warning) => this.#log.warn({ warning: describeWarning(warning) }, 'smpp: protocol warning'));
    try {
      const response = await session.request({
        command: this.#options.command,
        system_id: this.#options.systemId,
        password: this.#options.password,
        system_type: this.#options.systemType,
        interface_version: INTERFACE_VERSION_34,
      });
      if (response.command_status !== 0) {
        session.destroy('bind refused');
        throw new Error(`${this.#options.command} refused: ${describeStatus(response.command_status)}`);
      }
      return session;
    } catch (error) {
      session.destroy('bind failed');
      throw error;
    } finally {
      this.#connecting = undefined;
    }
  }

  async #connect(signal: AbortSignal): Promise<net.Socket> {
    const { host, port, connectTimeoutMs, network } = this.#options;
    const tlsOptions = this.#options.tls;
    try {
      return await connectGuarded(
        { host, port },
        {
          policy: network,
          timeoutMs: connectTimeoutMs,
          signal,
          tls: tlsOptions && { minVersion: 'TLSv1.2', ...(tlsOptions.ca ? { ca: tlsOptions.ca } : {}), ...(tlsOptions.servername ? { servername: tlsOptions.servername } : net.isIP(host) === 0 ? { servername: host } : {}) },
        },
      );
    } catch (error) {
      this.#connecting = undefined;
      throw new Error(`cannot connect to ${host}:${port}: ${this.#closed ? 'provider closing' : error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

function describeWarning(warning: SmppWarning): string {
  switch (warning.kind) {
    case 'unexpected_response':
      return `${warning.pdu.command} #${warning.pdu.sequence_number} matches no request (a late answer?)`;
    case 'undecodable_request':
    case 'undecodable_response':
      return `${warning.kind}: ${warning.error.message}`;
    case 'listener_error':
      return `${warning.event} listener failed: ${warning.error instanceof Error ? warning.error.message : String(warning.error)}`;
  }
}
