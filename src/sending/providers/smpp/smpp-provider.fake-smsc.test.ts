// The SMPP upstream provider against an SMSC of our own (an SmppSession on the server side), for what
// Net::SMPP cannot play: TLS (it speaks plain TCP only), an SMSC that forgets our bind (ESME_RINVBNDSTS),
// data_sm with message_payload, and holding a deliver_sm_resp back until the sink has stored the receipt.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandStatus, SmppSession } from '../../../smpp-protocol/index.ts';
import type { IncomingRequest } from '../../../smpp-protocol/index.ts';
import { analyzeSms, encodeGsm7 } from '../../encoding/index.ts';
import type { InboundSms, OutboundSms, ProviderReceipt, ProviderSink } from '../provider.ts';
import { createSmppProvider, type SmppProvider } from './smpp-provider.ts';
import { SmppSettingsSchema, type SmppSettingsInput } from './smpp-settings.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface FakeSmsc {
  port: number;
  sessions: SmppSession[];
  binds: string[];
  /** The n-th bound session (0-based), once it is bound. */
  bound(n: number): Promise<SmppSession>;
}

/** Accepts any bind; `onSubmit` answers each submit_sm. */
async function startFakeSmsc(options: { tls?: { key: Buffer; cert: Buffer }; onSubmit?: (session: SmppSession, pdu: IncomingRequest) => void } = {}): Promise<FakeSmsc> {
  const sessions: SmppSession[] = [];
  const binds: string[] = [];
  const boundWaiters: (() => void)[] = [];
  let nextId = 0;
  const onSubmit = options.onSubmit ?? ((session, pdu) => void session.respond(pdu, { command: 'submit_sm_resp', message_id: `F${++nextId}` }));
  const accept = (socket: net.Socket) => {
    const session = new SmppSession(socket);
    sessions.push(session);
    session.on('request', (pdu) => {
      if (pdu.command === 'bind_transceiver' || pdu.command === 'bind_transmitter' || pdu.command === 'bind_receiver') {
        binds.push(pdu.command);
        void session.respond(pdu, { command: `${pdu.command}_resp`, system_id: 'FAKE' } as never).then(() => boundWaiters.splice(0).forEach((wake) => wake()));
      } else if (pdu.command === 'submit_sm') {
        onSubmit(session, pdu);
      } else {
        void session.respond(pdu, { command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID });
      }
    });
  };
  const server = options.tls ? tls.createServer(options.tls, accept) : net.createServer(accept);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const session of sessions) session.destroy('test over');
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    binds,
    async bound(n) {
      while (binds.length <= n) await new Promise<void>((resolve) => boundWaiters.push(resolve));
      return sessions[n]!;
    },
  };
}

class Sink implements ProviderSink {
  readonly receipts: ProviderReceipt[] = [];
  readonly inbounds: InboundSms[] = [];
  /** When set, receipt() waits for it before storing. */
  gate: Promise<void> | undefined;
  receiptCalled = false;

  async receipt(_tenantId: string, receipt: ProviderReceipt): Promise<void> {
    this.receiptCalled = true;
    await this.gate;
    this.receipts.push(receipt);
  }

  async inbound(_tenantId: string, sms: InboundSms): Promise<void> {
    this.inbounds.push(sms);
  }
}

function connect(port: number, overrides: Partial<SmppSettingsInput> = {}) {
  const sink = new Sink();
  const settings = SmppSettingsSchema.parse({ host: '127.0.0.1', port, systemId: 'hub', reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, ...overrides });
  const provider: SmppProvider = createSmppProvider({ settings, password: 'pw', tenantId: 'ten_fake', network: { allowPrivateTargets: true }, sink, log: pino({ level: 'silent' }) });
  cleanups.push(() => provider.close());
  return { provider, sink };
}

function sms(text: string): OutboundSms {
  const analysis = analyzeSms(text);
  return { messageId: 'Fake000001', tenantId: 'ten_fake', from: 'MaBoutique', to: '+33612345678', text, encoding: analysis.encoding, segments: analysis.segmentCount, requestReceipt: true };
}

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI (no key in the repo). */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'smpp-upstream-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SMPP over TLS', () => {
  const credentials = selfSignedCertificate();

  it.skipIf(!credentials)('binds and submits when the SMSC\'s private CA is given, and refuses an unknown certificate', async () => {
    const smsc = await startFakeSmsc({ tls: credentials! });
    const trusted = connect(smsc.port, { tls: { caCertificate: credentials!.cert.toString() } });
    expect(await trusted.provider.submit(sms('Chiffré'))).toEqual({ kind: 'submitted', providerMessageIds: ['F1'] });

    const untrusted = connect(smsc.port, { tls: {}, submitTimeoutMs: 1_000 });
    expect(await untrusted.provider.submit(sms('Refusé'))).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/not bound .*certificate/i) });
    expect(smsc.binds).toEqual(['bind_transceiver']);
  });
});

describe('an SMSC that misbehaves', () => {
  it('ESME_RINVBNDSTS: the message is retried and the link bound again', async () => {
    let answered = 0;
    const smsc = await startFakeSmsc({
      onSubmit: (session, pdu) => {
        answered++;
        void session.respond(pdu, answered === 1 ? { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RINVBNDSTS } : { command: 'submit_sm_resp', message_id: 'OK2' });
      },
    });
    const { provider } = connect(smsc.port);
    expect(await provider.submit(sms('Un'))).toMatchObject({ kind: 'retry', reason: 'ESME_RINVBNDSTS' });
    await smsc.bound(1);
    expect(await provider.submit(sms('Deux'))).toEqual({ kind: 'submitted', providerMessageIds: ['OK2'] });
  });

  it('answers a deliver_sm only once the sink has stored the receipt', async () => {
    const smsc = await startFakeSmsc();
    const { provider, sink } = connect(smsc.port);
    let release!: () => void;
    sink.gate = new Promise((resolve) => (release = resolve));
    await provider.submit(sms('Bind'));
    const session = await smsc.bound(0);
    let answered = false;
    const response = session
      .request({ command: 'deliver_sm', esm_class: 0x04, source_addr: '33612345678', destination_addr: 'MaBoutique', data_coding: 0, short_message: Buffer.from('id:F1 stat:DELIVRD err:000'), receipted_message_id: 'F1', message_state: 2 })
      .finally(() => (answered = true));
    while (!sink.receiptCalled) await new Promise((resolve) => setTimeout(resolve, 5));
    // The sink holds the receipt: let the provider run as long as it likes, it must not answer yet.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    expect(await response).toMatchObject({ command: 'deliver_sm_resp', command_status: 0 });
    expect(sink.receipts).toMatchObject([{ providerMessageId: 'F1', status: 'delivered' }]);
  });

  it('takes an MO carried by data_sm in message_payload', async () => {
    const smsc = await startFakeSmsc();
    const { provider, sink } = connect(smsc.port);
    await provider.submit(sms('Bind'));
    const session = await smsc.bound(0);
    const response = await session.request({ command: 'data_sm', source_addr_ton: 1, source_addr: '33612345678', destination_addr: '36173', data_coding: 0, message_payload: encodeGsm7('STOP SMS') });
    expect(response).toMatchObject({ command: 'data_sm_resp', command_status: 0 });
    expect(sink.inbounds).toMatchObject([{ from: '+33612345678', to: '36173', text: 'STOP SMS' }]);
  });
});
