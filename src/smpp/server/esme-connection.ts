/**
 * One ESME connection on the server side, on top of `SmppSession` (framing, validation, window,
 * enquire_link, unbind and generic_nack are the session's). Here: bind state (SMPP 3.4 §2.2), submit_sm
 * to the durable inbox, query_sm, and deliver_sm of the outbox for receiver and transceiver binds.
 *
 * Rules kept for Adobe Campaign (docs: "SMS connector protocol and settings"): every request gets its
 * response, an error response never closes the connection, the server never sends unbind in normal
 * operation, and submit_sm_resp leaves as soon as the part is committed.
 */
import type { Socket } from 'node:net';
import { randomBase62 } from '../../ids.ts';
import type { Logger } from 'pino';
import { CommandStatus, INTERFACE_VERSION_34, MessageState, SmppSession, describeCloseReason } from '../../smpp-protocol/index.ts';
import type { IncomingRequest, PduOf, ResponseInputTo, SmppSessionOptions } from '../../smpp-protocol/index.ts';
import { cachedTenantPhoneRegion } from '../../contacts/tenant-region.ts';
import { messageProgress } from '../../sending/message-reads.ts';
import type { Db } from '../../store/db.ts';
import type { BindType, SmppAccount } from '../accounts/account.ts';
import type { Authenticator } from './authenticate.ts';
import type { SmppClusterState } from './cluster-state.ts';
import { toDeliverSm, type OutboxPdu } from './deliver-pdus.ts';
import type { SubmitInbox } from './inbox.ts';
import type { BoundSession, SessionRegistry } from './session-registry.ts';
import { readSubmit } from './submit-part.ts';
import { TokenBucket } from './throttle.ts';

export interface ConnectionDeps {
  db: Db;
  authenticator: Authenticator;
  registry: SessionRegistry;
  inbox: SubmitInbox;
  throttles: ThrottleTable;
  /** maxBinds, throughput shares and account changes across gateways. */
  cluster: SmppClusterState;
  log: Logger;
  /** system_id the server answers binds with. */
  systemId: string;
  session?: SmppSessionOptions;
  /** An unbound connection is closed after this long. */
  bindTimeoutMs?: number;
  /** enquire_link after this long idle, once bound. */
  enquireLinkIntervalMs?: number;
  deliverTimeoutMs?: number;
}

/**
 * One token bucket per account with a throughput limit, shared by its sessions in this process, at
 * this gateway's share of the account's rate (`share`: its part of the account's submitting
 * sessions across gateways, cluster-state.ts), so the gateways together stay within the rate.
 */
export class ThrottleTable {
  readonly #buckets = new Map<string, TokenBucket>();

  take(account: SmppAccount, now: number, share = 1): boolean {
    if (account.throughputPerSecond === null) return true;
    const rate = account.throughputPerSecond * share;
    let bucket = this.#buckets.get(account.id);
    if (!bucket || bucket.ratePerSecond !== rate) {
      bucket = new TokenBucket(rate, now);
      this.#buckets.set(account.id, bucket);
    }
    return bucket.take(now);
  }
}

type State = { kind: 'open' } | { kind: 'binding' } | { kind: 'bound'; account: SmppAccount; bindType: BindType; tlvs: boolean };

const BIND_TYPES = { bind_transmitter: 'transmitter', bind_receiver: 'receiver', bind_transceiver: 'transceiver' } as const;

/** SMPP absolute time (§7.1.1) in UTC: YYMMDDhhmmss, tenths, offset 00, "+". */
function smppTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${iso.slice(20, 21)}00+`;
}

/** The message_state (§5.2.28) query_sm answers for a part, from its handoff state and the hub message's status. */
export function messageStateOf(partState: string, messageStatus: string | null): number {
  if (partState === 'rejected') return MessageState.REJECTED;
  switch (messageStatus) {
    case null:
      return MessageState.ACCEPTED;
    case 'delivered':
      return MessageState.DELIVERED;
    case 'undelivered':
    case 'failed':
      return MessageState.UNDELIVERABLE;
    case 'expired':
      return MessageState.EXPIRED;
    case 'rejected':
    case 'blocked':
      return MessageState.REJECTED;
    default:
      return MessageState.ENROUTE;
  }
}

export class EsmeConnection implements BoundSession {
  /** This session's row in `smpp_binds` while it holds one of its account's bind slots. */
  readonly sessionId = `ses_${randomBase62(16)}`;
  readonly session: SmppSession;
  readonly remoteAddress: string | undefined;
  readonly #deps: ConnectionDeps;
  readonly #log: Logger;
  #state: State = { kind: 'open' };
  #bindTimer: NodeJS.Timeout | undefined;
  #deliveries = 0;
  #reserved = false;

  constructor(socket: Socket, deps: ConnectionDeps) {
    this.#deps = deps;
    this.remoteAddress = socket.remoteAddress;
    this.#log = deps.log.child({ remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` });
    // The server keeps the link alive only once bound; before that an idle connection is just closed.
    this.session = new SmppSession(socket, { ...deps.session, enquireLinkIntervalMs: 0 });
    this.#bindTimer = setTimeout(() => {
      if (this.#state.kind !== 'bound') this.session.destroy('no bind in time');
    }, deps.bindTimeoutMs ?? 60_000);
    this.#bindTimer.unref();
    this.session.on('request', (pdu) => this.#onRequest(pdu));
    this.session.on('warning', (warning) => this.#log.debug({ warning: warning.kind }, 'smpp: protocol warning'));
    this.session.on('close', (reason) => {
      clearTimeout(this.#bindTimer);
      deps.registry.remove(this);
      this.#release();
      const bound = this.#state.kind === 'bound' ? { systemId: this.#state.account.systemId, bindType: this.#state.bindType } : {};
      this.#log.info({ ...bound, reason: describeCloseReason(reason) }, 'smpp: connection closed');
    });
  }

  get accountId(): string {
    return this.#state.kind === 'bound' ? this.#state.account.id : '';
  }

  get bindType(): BindType {
    return this.#state.kind === 'bound' ? this.#state.bindType : 'transmitter';
  }

  get deliveriesInFlight(): number {
    return this.#deliveries;
  }

  async deliver(pdu: OutboxPdu): Promise<number> {
    if (this.#state.kind !== 'bound') throw new Error('not bound');
    this.#deliveries++;
    try {
      const response = await this.session.request(toDeliverSm(pdu, this.#state.tlvs), { timeoutMs: this.#deps.deliverTimeoutMs ?? 30_000 });
      return response.command_status;
    } finally {
      this.#deliveries--;
    }
  }

  close(reason: string): void {
    this.session.destroy(reason);
  }

  updateAccount(account: SmppAccount): void {
    if (this.#state.kind === 'bound' && this.#state.account.id === account.id) this.#state = { ...this.#state, account };
  }

  /** Frees the bind slot (once); a failure leaves the row to go stale (cluster-state.ts). */
  #release(): void {
    if (!this.#reserved) return;
    this.#reserved = false;
    this.#deps.cluster.releaseBind(this.sessionId).catch((error: unknown) => this.#log.warn({ err: error }, 'smpp: could not free a bind slot; it is freed once stale'));
  }

  #answer<R extends IncomingRequest>(request: R, response: ResponseInputTo<R['command']>): void {
    try {
      void this.session.respond(request, response);
    } catch (error) {
      this.#log.error({ err: error, command: request.command }, 'smpp: could not answer a request');
    }
  }

  #onRequest(pdu: IncomingRequest): void {
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        void this.#bind(pdu, BIND_TYPES[pdu.command]);
        return;
      case 'submit_sm':
        void this.#submit(pdu);
        return;
      case 'query_sm':
        void this.#query(pdu);
        return;
      case 'cancel_sm':
        // Messages leave for the provider within moments of their submit_sm_resp: there is nothing left to cancel.
        this.#answer(pdu, { command: 'cancel_sm_resp', command_status: this.#canSubmit() ? CommandStatus.ESME_RCANCELFAIL : CommandStatus.ESME_RINVBNDSTS });
        return;
      case 'deliver_sm':
        // deliver_sm goes from the SMSC to the ESME (§4.6), never the other way.
        this.#answer(pdu, { command: 'deliver_sm_resp', command_status: CommandStatus.ESME_RINVBNDSTS });
        return;
      case 'data_sm':
        this.#answer(pdu, { command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID });
        return;
    }
  }

  #canSubmit(): boolean {
    return this.#state.kind === 'bound' && this.#state.bindType !== 'receiver';
  }

  async #bind(pdu: PduOf<'bind_transmitter' | 'bind_receiver' | 'bind_transceiver'>, bindType: BindType): Promise<void> {
    const respond = (status: number) =>
      this.#answer(pdu, {
        command: `${pdu.command}_resp`,
        command_status: status,
        system_id: status === 0 ? this.#deps.systemId : '',
        ...(status === 0 && pdu.interface_version >= INTERFACE_VERSION_34 ? { sc_interface_version: INTERFACE_VERSION_34 } : {}),
      } as ResponseInputTo<typeof pdu.command>);
    if (this.#state.kind !== 'open') {
      respond(CommandStatus.ESME_RALYBND);
      return;
    }
    this.#state = { kind: 'binding' };
    try {
      const decision = await this.#deps.authenticator.authenticate(
        { systemId: pdu.system_id, password: pdu.password, bindType, remoteAddress: this.remoteAddress },
        async (account) => (this.#reserved = await this.#deps.cluster.reserveBind(account.id, this.sessionId, bindType)),
      );
      if (this.session.isClosed) {
        this.#release();
        return;
      }
      if (!decision.ok) {
        this.#state = { kind: 'open' };
        // A locked address is refused without a log line each time: under a guessing attack that would flood the log.
        if (decision.status !== CommandStatus.ESME_RBINDFAIL || !decision.reason.startsWith('too many failed binds')) {
          this.#log.warn({ systemId: pdu.system_id, bindType, reason: decision.reason }, 'smpp: bind refused');
        }
        respond(decision.status);
        return;
      }
      this.#state = { kind: 'bound', account: decision.account, bindType, tlvs: pdu.interface_version >= INTERFACE_VERSION_34 };
      clearTimeout(this.#bindTimer);
      this.session.setEnquireLinkInterval(this.#deps.enquireLinkIntervalMs ?? 30_000);
      respond(CommandStatus.ESME_ROK);
      this.#deps.registry.add(this);
      this.#log.info({ systemId: decision.account.systemId, tenantId: decision.account.tenantId, bindType }, 'smpp: bound');
    } catch (error) {
      this.#state = { kind: 'open' };
      this.#log.error({ err: error }, 'smpp: bind failed');
      respond(CommandStatus.ESME_RSYSERR);
    }
  }

  async #submit(pdu: PduOf<'submit_sm'>): Promise<void> {
    const state = this.#state;
    if (state.kind !== 'bound' || state.bindType === 'receiver') {
      this.#answer(pdu, { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RINVBNDSTS });
      return;
    }
    if (!this.#deps.throttles.take(state.account, Date.now(), this.#deps.cluster.shareOf(state.account.id))) {
      this.#answer(pdu, { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RTHROTTLED });
      return;
    }
    // Destinations are checked as the sending core will check them: in the tenant's region.
    const phoneRegion = await cachedTenantPhoneRegion(this.#deps.db, state.account.tenantId).catch((error: unknown) => {
      this.#log.error({ err: error }, 'smpp: could not read the tenant\'s phone region');
    });
    if (phoneRegion === undefined) {
      this.#answer(pdu, { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RMSGQFUL });
      return;
    }
    const read = readSubmit(pdu, { ...state.account, phoneRegion }, new Date());
    if (!read.ok) {
      this.#log.info({ systemId: state.account.systemId, status: read.status, reason: read.reason }, 'smpp: submit_sm refused');
      this.#answer(pdu, { command: 'submit_sm_resp', command_status: read.status });
      return;
    }
    try {
      const messageId = await this.#deps.inbox.accept(state.account.tenantId, state.account.id, read.part);
      this.#answer(pdu, { command: 'submit_sm_resp', message_id: messageId });
    } catch (error) {
      // Not stored: the ESME must send it again. RMSGQFUL is read as "try later" by ESMEs (Kannel, Campaign).
      this.#log.error({ err: error }, 'smpp: could not store a submit_sm');
      this.#answer(pdu, { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RMSGQFUL });
    }
  }

  async #query(pdu: PduOf<'query_sm'>): Promise<void> {
    const state = this.#state;
    if (state.kind !== 'bound' || state.bindType === 'receiver') {
      this.#answer(pdu, { command: 'query_sm_resp', command_status: CommandStatus.ESME_RINVBNDSTS });
      return;
    }
    if (this.#deps.inbox.holds(state.account.tenantId, state.account.id, pdu.message_id)) {
      this.#answer(pdu, { command: 'query_sm_resp', message_id: pdu.message_id, final_date: '', message_state: MessageState.ACCEPTED, error_code: 0 });
      return;
    }
    try {
      // A part not handed off yet is still in the inbox (accepted); once handed off, the hub message tells.
      const [row] = await this.#deps.db.query<{ state: string; message_id: string | null }>(
        `SELECT state, message_id FROM smpp_submits WHERE tenant_id = $1 AND account_id = $2 AND id = $3
         UNION ALL SELECT 'received', NULL FROM smpp_inbox WHERE tenant_id = $1 AND account_id = $2 AND id = $3`,
        [state.account.tenantId, state.account.id, pdu.message_id],
      );
      if (!row) {
        this.#answer(pdu, { command: 'query_sm_resp', command_status: CommandStatus.ESME_RINVMSGID });
        return;
      }
      const message = row.message_id === null ? undefined : await messageProgress(this.#deps.db, state.account.tenantId, row.message_id);
      const messageState = messageStateOf(row.state, message?.status ?? null);
      const final = messageState !== MessageState.ENROUTE && messageState !== MessageState.ACCEPTED;
      this.#answer(pdu, {
        command: 'query_sm_resp',
        message_id: pdu.message_id,
        final_date: final && message?.completedAt ? smppTime(message.completedAt) : '',
        message_state: messageState,
        error_code: 0,
      });
    } catch (error) {
      this.#log.error({ err: error }, 'smpp: query_sm failed');
      this.#answer(pdu, { command: 'query_sm_resp', command_status: CommandStatus.ESME_RQUERYFAIL });
    }
  }
}
