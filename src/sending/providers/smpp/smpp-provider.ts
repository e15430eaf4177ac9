/**
 * The SMPP upstream provider: the hub as an ESME bound to an operator's (or aggregator's) SMSC.
 *
 * Sending: a message becomes one submit_sm per part (`planSubmit`), sent in order on the
 * transmitting bind, each after the shared `SendGate` (throttling pause, pace, window). The
 * submit_sm_resp message ids are the provider ids the receipts are correlated with.
 * - ESME_RTHROTTLED / ESME_RMSGQFUL: `retry` after the pause, and every send pauses too.
 * - other temporary errors, a response timeout, a lost or missing bind: `retry`.
 * - a permanent refusal (invalid destination, sender, vendor code…): `rejected` with the code.
 * Parts of a long message: when a part fails for now after earlier parts were accepted, the accepted
 * ids and the UDH reference are kept (in memory, for an hour) and the pipeline's retry sends only the
 * missing parts, with the same reference, so the handset can still join them. A permanent refusal
 * after accepted parts rejects the message and names the accepted ids in the reason (those parts are
 * out: the handset shows them as an incomplete message). See docs/smpp-upstream.md.
 *
 * Receiving: every deliver_sm (or data_sm) is a receipt or a part of an incoming SMS
 * (`interpretIncoming`); it is answered ESME_ROK only once the sink stored it, and ESME_RX_T_APPN
 * when the sink failed, so the SMSC offers it again (SMPP 3.4 §5.1.3: "temporary app error").
 */
import { rootCertificates } from 'node:tls';
import type { Logger } from 'pino';
import { randomBase62 } from '../../../ids.ts';
import type { NetworkPolicy } from '../../../net/outbound-guard.ts';
import { backoffDelayMs } from '../../../retry/backoff.ts';
import {
  CommandStatus,
  SmppBadResponseError,
  SmppEncodeError,
  SmppResponseTimeoutError,
  SmppSessionClosedError,
  describeCloseReason,
} from '../../../smpp-protocol/index.ts';
import type { IncomingRequest, SmppSession } from '../../../smpp-protocol/index.ts';
import { defineProviderFactory } from '../../provider-registry.ts';
import type { InboundSms, OutboundSms, ProviderSink, SmsProvider, SubmitResult } from '../provider.ts';
import { InboundAssembler } from './inbound-assembler.ts';
import { SendGate } from './send-gate.ts';
import { SmppBind, type BindStatus } from './smpp-bind.ts';
import { interpretIncoming, type IncomingPdu } from './smpp-incoming.ts';
import { SmppSecretsSchema, SmppSettingsSchema, type SmppSettings } from './smpp-settings.ts';
import { planSubmit, type SubmitPdu } from './smpp-submit-pdus.ts';
import { classifySubmitStatus, describeStatus } from './smpp-submit-status.ts';

export const SMPP_PROVIDER_KIND = 'smpp';

export interface SmppProviderOptions {
  settings: SmppSettings;
  /** The bind password, opened from the vault. */
  password: string;
  /** The tenant whose receipts and replies this link carries. */
  tenantId: string;
  /** The outbound guard's policy for the SMSC's address. */
  network: NetworkPolicy;
  sink: ProviderSink;
  log: Logger;
  clock?: () => Date;
  random?: () => number;
}

export interface SmppProviderStatus {
  binds: BindStatus[];
  /** Milliseconds left in a throttling pause. */
  pausedForMs: number;
  submitsInFlight: number;
  incompleteInbound: number;
}

export interface SmppProvider extends SmsProvider {
  readonly kind: typeof SMPP_PROVIDER_KIND;
  status(): SmppProviderStatus;
}

type PartOutcome =
  | { kind: 'accepted'; id: string }
  | { kind: 'retry'; reason: string; afterMs?: number | undefined }
  | { kind: 'rejected'; reason: string; code?: string | undefined };

/** A long message some of whose parts the SMSC accepted: what its next attempt must not send again. */
interface PartlySent {
  reference: number;
  ids: (string | undefined)[];
  expiresAt: number;
}

const PARTIAL_TTL_MS = 60 * 60_000;
const MAX_PARTIALS = 10_000;
/** An incomplete incoming SMS (already acknowledged part by part) is offered to the sink this often. */
const INCOMPLETE_INBOUND_TRIES = 5;

export function createSmppProvider(options: SmppProviderOptions): SmppProvider {
  return new SmppUpstreamProvider(options);
}

class SmppUpstreamProvider implements SmppProvider {
  readonly channel = 'sms' as const;
  readonly kind = SMPP_PROVIDER_KIND;
  readonly #settings: SmppSettings;
  readonly #tenantId: string;
  readonly #sink: ProviderSink;
  readonly #log: Logger;
  readonly #clock: () => Date;
  readonly #gate: SendGate;
  readonly #binds: SmppBind[];
  /** The bind submit_sm go out on. */
  readonly #transmitter: SmppBind;
  readonly #assembler: InboundAssembler;
  readonly #partials = new Map<string, PartlySent>();
  readonly #submits = new Set<Promise<unknown>>();
  readonly #incoming = new Set<Promise<unknown>>();
  #reference: number;
  #closing: Promise<void> | undefined;

  constructor(options: SmppProviderOptions) {
    const settings = options.settings;
    this.#settings = settings;
    this.#tenantId = options.tenantId;
    this.#sink = options.sink;
    this.#log = options.log;
    this.#clock = options.clock ?? (() => new Date());
    const random = options.random ?? Math.random;
    this.#reference = Math.floor(random() * 256);
    this.#gate = new SendGate({ window: settings.window, submitsPerSecond: settings.submitsPerSecond, throttleBackoff: settings.throttleBackoffMs });
    this.#assembler = new InboundAssembler({
      timeoutMs: settings.incompleteInboundTimeoutMs,
      onIncomplete: (sms) => this.#track(this.#incoming, this.#passIncomplete(sms)),
    });
    const bind = (command: SmppBind['command']) =>
      new SmppBind({
        command,
        host: settings.host,
        port: settings.port,
        // `ca` replaces Node's trusted roots: keep them, and add the SMSC's private CA.
        tls: settings.tls && { ca: settings.tls.caCertificate !== undefined ? [...rootCertificates, settings.tls.caCertificate] : undefined, servername: settings.tls.servername },
        network: options.network,
        connectTimeoutMs: settings.connectTimeoutMs,
        systemId: settings.systemId,
        password: options.password,
        systemType: settings.systemType,
        session: { window: settings.window, responseTimeoutMs: settings.responseTimeoutMs, enquireLinkIntervalMs: settings.enquireLinkIntervalMs },
        reconnect: settings.reconnect,
        onRequest: (session, pdu) => this.#onRequest(session, pdu),
        log: this.#log,
        random,
      });
    this.#binds = settings.bindMode === 'transceiver' ? [bind('bind_transceiver')] : [bind('bind_transmitter'), bind('bind_receiver')];
    this.#transmitter = this.#binds[0]!;
    for (const each of this.#binds) each.start();
  }

  status(): SmppProviderStatus {
    return {
      binds: this.#binds.map((each) => each.status()),
      pausedForMs: this.#gate.pausedForMs,
      submitsInFlight: this.#gate.slotsInUse,
      incompleteInbound: this.#assembler.pendingCount,
    };
  }

  submit(message: OutboundSms): Promise<SubmitResult> {
    if (this.#closing) return Promise.resolve({ kind: 'retry', reason: 'SMPP provider closed (its settings changed or the hub is stopping)' });
    return this.#track(this.#submits, this.#submit(message));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ---- sending ----------------------------------------------------------------------------------------------

  async #submit(message: OutboundSms): Promise<SubmitResult> {
    const deadline = Date.now() + this.#settings.submitTimeoutMs;
    const key = `${message.tenantId}:${message.messageId}`;
    this.#forgetExpiredPartials();
    let partial = this.#partials.get(key);
    const reference = partial?.reference ?? this.#nextReference();
    const plan = planSubmit(message, this.#settings, reference, this.#clock());
    if (!plan.ok) return { kind: 'rejected', reason: plan.reason };
    if (partial && partial.ids.length !== plan.pdus.length) partial = undefined; // not the same parts any more: start over
    const ids: (string | undefined)[] = partial?.ids ?? plan.pdus.map(() => undefined);
    const total = plan.pdus.length;
    const label = (index: number) => (total > 1 ? `part ${index + 1}/${total}: ` : '');

    for (const [index, pdu] of plan.pdus.entries()) {
      if (ids[index] !== undefined) continue;
      // Each part may wait up to the response timeout: past the deadline the rest waits for the retry.
      const outcome = Date.now() < deadline ? await this.#sendPart(pdu, deadline) : { kind: 'retry' as const, reason: `no time left within submitTimeoutMs (${this.#settings.submitTimeoutMs} ms)` };
      if (outcome.kind === 'accepted') {
        ids[index] = outcome.id;
        continue;
      }
      const accepted = ids.filter((id): id is string => id !== undefined);
      if (outcome.kind === 'retry') {
        if (accepted.length > 0) this.#partials.set(key, { reference, ids, expiresAt: Date.now() + PARTIAL_TTL_MS });
        const result: SubmitResult = { kind: 'retry', reason: `${label(index)}${outcome.reason}` };
        if (outcome.afterMs !== undefined) result.afterMs = Math.ceil(outcome.afterMs);
        return result;
      }
      this.#partials.delete(key);
      const reason =
        accepted.length > 0
          ? `${label(index)}${outcome.reason}; parts accepted before it (ids ${accepted.join(', ')}) may reach the handset as an incomplete message`
          : `${label(index)}${outcome.reason}`;
      const result: SubmitResult = { kind: 'rejected', reason };
      if (outcome.code !== undefined) result.code = outcome.code;
      return result;
    }
    this.#partials.delete(key);
    return { kind: 'submitted', providerMessageIds: ids as string[] };
  }

  async #sendPart(pdu: SubmitPdu, deadline: number): Promise<PartOutcome> {
    const entry = await this.#gate.enter(deadline);
    if (!entry.ok) return { kind: 'retry', reason: entry.reason, afterMs: entry.retryAfterMs };
    try {
      const session = await this.#transmitter.ready(deadline);
      if (!session) return { kind: 'retry', reason: this.#transmitter.describeUnavailable(), afterMs: this.#transmitter.nextAttemptInMs() };
      let response;
      try {
        response = await session.request(pdu);
      } catch (error) {
        return this.#requestFailure(error);
      }
      // A generic_nack means the SMSC could not read our submit_sm (§4.3); ESME_ROK in one is nonsense.
      const status = response.command === 'generic_nack' && response.command_status === 0 ? CommandStatus.ESME_RSYSERR : response.command_status;
      const verdict = classifySubmitStatus(status);
      switch (verdict.kind) {
        case 'accepted': {
          this.#gate.accepted();
          const id = response.command === 'submit_sm_resp' ? response.message_id.trim() : '';
          if (id !== '') return { kind: 'accepted', id };
          // Without an id no receipt can ever be matched; the part is out all the same.
          this.#log.warn({ destination: pdu.destination_addr }, 'smpp: submit_sm_resp ESME_ROK without a message_id');
          return { kind: 'accepted', id: `noid-${randomBase62(12)}` };
        }
        case 'throttled': {
          const pause = this.#gate.throttled();
          this.#log.warn({ status: verdict.name, pauseMs: pause }, 'smpp: the SMSC is throttling, sends paused');
          return { kind: 'retry', reason: describeStatus(status), afterMs: pause };
        }
        case 'temporary':
          if (verdict.rebind) this.#transmitter.drop(session, `SMSC answered ${verdict.name}`);
          return { kind: 'retry', reason: describeStatus(status) };
        case 'permanent':
          return { kind: 'rejected', reason: describeStatus(status), code: verdict.code };
      }
    } finally {
      entry.release();
    }
  }

  #requestFailure(error: unknown): PartOutcome {
    if (error instanceof SmppResponseTimeoutError) {
      // The SMSC may still have taken it: a retry can duplicate it (SMPP has no idempotency key).
      return { kind: 'retry', reason: `no submit_sm_resp within ${error.timeoutMs} ms` };
    }
    if (error instanceof SmppSessionClosedError) return { kind: 'retry', reason: `link lost before the answer: ${describeCloseReason(error.reason)}` };
    if (error instanceof SmppEncodeError) return { kind: 'rejected', reason: `cannot be sent over SMPP: ${error.message}` };
    if (error instanceof SmppBadResponseError) return { kind: 'retry', reason: error.message };
    return { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
  }

  #nextReference(): number {
    this.#reference = (this.#reference + 1) % 256;
    return this.#reference;
  }

  #forgetExpiredPartials(): void {
    const now = Date.now();
    for (const [key, partial] of this.#partials) if (partial.expiresAt <= now) this.#partials.delete(key);
    while (this.#partials.size > MAX_PARTIALS) this.#partials.delete(this.#partials.keys().next().value!);
  }

  // ---- receiving --------------------------------------------------------------------------------------------

  #onRequest(session: SmppSession, pdu: IncomingRequest): void {
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') {
      // An SMSC has no business sending us submit_sm, bind or query_sm.
      void session.respond(pdu, { command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID });
      return;
    }
    this.#track(this.#incoming, this.#answerIncoming(session, pdu));
  }

  async #answerIncoming(session: SmppSession, pdu: IncomingPdu): Promise<void> {
    let status: number;
    try {
      status = await this.#storeIncoming(pdu);
    } catch (error) {
      this.#log.error({ err: error }, 'smpp: handling an incoming PDU failed');
      status = CommandStatus.ESME_RX_T_APPN;
    }
    const written = await (pdu.command === 'deliver_sm'
      ? session.respond(pdu, { command: 'deliver_sm_resp', command_status: status })
      : session.respond(pdu, { command: 'data_sm_resp', command_status: status }));
    // Not written: the link closed first; the SMSC offers the PDU again on the next bind.
    if (!written) this.#log.info({ command: pdu.command }, 'smpp: link closed before the answer to an incoming PDU');
  }

  /** Stores what the PDU carries through the sink; returns the command_status to answer it with. */
  async #storeIncoming(pdu: IncomingPdu): Promise<number> {
    const incoming = interpretIncoming(pdu, this.#clock());
    switch (incoming.kind) {
      case 'unusable':
        this.#log.warn({ reason: incoming.reason }, 'smpp: unusable incoming PDU refused');
        return incoming.status;
      case 'receipt':
        try {
          await this.#sink.receipt(this.#tenantId, incoming.receipt);
          return CommandStatus.ESME_ROK;
        } catch (error) {
          this.#log.warn({ err: error, providerMessageId: incoming.receipt.providerMessageId }, 'smpp: receipt not stored, the SMSC will offer it again');
          return CommandStatus.ESME_RX_T_APPN;
        }
      case 'message': {
        const added = this.#assembler.add(incoming.part);
        if (added.kind === 'buffered') return CommandStatus.ESME_ROK;
        if (added.kind === 'undecodable') {
          this.#log.warn({ reason: added.reason }, 'smpp: undecodable incoming SMS refused');
          return CommandStatus.ESME_RX_P_APPN;
        }
        try {
          await this.#sink.inbound(this.#tenantId, added.sms);
          added.done();
          return CommandStatus.ESME_ROK;
        } catch (error) {
          added.failed();
          this.#log.warn({ err: error }, 'smpp: incoming SMS not stored, the SMSC will offer it again');
          return CommandStatus.ESME_RX_T_APPN;
        }
      }
    }
  }

  /** Parts of it were acknowledged already, so nobody offers it again: try the sink a few times. */
  async #passIncomplete(sms: InboundSms): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#sink.inbound(this.#tenantId, sms);
        this.#log.warn({ from: sms.from }, 'smpp: incoming SMS passed on with parts missing');
        return;
      } catch (error) {
        if (attempt >= INCOMPLETE_INBOUND_TRIES) {
          this.#log.error({ err: error, from: sms.from, to: sms.to, text: sms.text }, 'smpp: incomplete incoming SMS lost: the sink kept failing');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoffDelayMs({ baseMs: 1_000 }, attempt - 1)));
      }
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------------------

  #track<T>(set: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
    set.add(promise);
    void promise.finally(() => set.delete(promise)).catch(() => undefined);
    return promise;
  }

  async #close(): Promise<void> {
    // Waiting sends give up at once (the pipeline retries them); incoming PDUs being stored get their
    // answer; then each bind unbinds once the submit_sm on the wire are answered (SmppSession.unbind).
    this.#gate.close();
    await Promise.allSettled([...this.#incoming]);
    this.#assembler.flush();
    await Promise.allSettled([...this.#incoming]);
    await Promise.all(this.#binds.map((each) => each.close()));
    await Promise.allSettled([...this.#submits]);
  }
}

/** The registry's factory: `registry.register(smppProviderFactory)`. */
export const smppProviderFactory = defineProviderFactory({
  kind: SMPP_PROVIDER_KIND,
  title: 'SMPP upstream: an operator\'s or an aggregator\'s SMSC (SMPP 3.4, the hub binds as ESME)',
  channels: ['sms'],
  settings: SmppSettingsSchema,
  secrets: SmppSecretsSchema,
  outboundHosts: (settings) => [{ field: 'host', host: settings.host }],
  create({ settings, secrets, context }, sink) {
    return createSmppProvider({ settings, password: secrets?.password ?? '', tenantId: context.tenantId, network: context.network, sink, log: context.log });
  },
});
