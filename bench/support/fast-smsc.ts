/**
 * An SMSC of our own, in the benchmark's process: answers every submit_sm at once and sends its
 * delivery receipt right after (bench/send-smpp.ts, bench/campaign.ts). It measures the hub, not a peer.
 */
import { once } from 'node:events';
import net from 'node:net';
import pino from 'pino';
import { analyzeSms } from '../../src/sending/encoding/index.ts';
import type { OutboundSms, ProviderSink } from '../../src/sending/providers/provider.ts';
import { createSmppProvider } from '../../src/sending/providers/smpp/smpp-provider.ts';
import { SmppSettingsSchema } from '../../src/sending/providers/smpp/smpp-settings.ts';
import { SmppSession } from '../../src/smpp-protocol/index.ts';

/** Message ids are unique across sessions (binds), so receipts never name another bind's message. */
export async function startFastSmsc(): Promise<{ port: number; submits(): number; close(): Promise<void> }> {
  const sessions: SmppSession[] = [];
  let submitted = 0;
  let next = 0;
  const server = net.createServer((socket) => {
    const session = new SmppSession(socket, { window: 1000, maxOwedResponses: 10_000 });
    sessions.push(session);
    session.on('request', (pdu) => {
      if (pdu.command === 'bind_transceiver') {
        void session.respond(pdu, { command: 'bind_transceiver_resp', system_id: 'fast' });
      } else if (pdu.command === 'submit_sm') {
        submitted++;
        const id = (++next).toString(36).toUpperCase().padStart(8, '0');
        void session.respond(pdu, { command: 'submit_sm_resp', message_id: id });
        session
          .request({
            command: 'deliver_sm',
            source_addr: pdu.destination_addr,
            destination_addr: pdu.source_addr,
            esm_class: 0x04,
            data_coding: 0,
            short_message: Buffer.from(`id:${id} sub:001 dlvrd:001 submit date:2611231200 done date:2611231200 stat:DELIVRD err:000 text:`),
            receipted_message_id: id,
            message_state: 2,
          })
          .catch(() => undefined);
      } else {
        void session.respond(pdu, { command: 'generic_nack', command_status: 3 });
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    submits: () => submitted,
    async close() {
      for (const session of sessions) session.destroy('bench over');
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * The SMPP provider alone (no hub): `concurrency` callers of `submit()` against the SMSC on `port`,
 * each message answered and its receipt handed to a sink that stores nothing.
 */
export async function rawProviderRun(options: { port: number; messages: number; window: number; concurrency: number }): Promise<{ submitsPerSecond: number; receipts: number; receiptsAfterMs: number; failed: number }> {
  const { port, messages, window, concurrency } = options;
  let receipts = 0;
  let allReceipts: () => void = () => undefined;
  const receiptsDone = new Promise<void>((resolve) => (allReceipts = resolve));
  const sink: ProviderSink = {
    async receipt() {
      if (++receipts === messages) allReceipts();
    },
    async inbound() {},
  };
  const settings = SmppSettingsSchema.parse({ host: '127.0.0.1', port, systemId: 'hub', window, enquireLinkIntervalMs: 0 });
  const provider = createSmppProvider({ settings, password: 'secret', tenantId: 'ten_bench', network: { allowPrivateTargets: true }, sink, log: pino({ level: 'silent' }) });
  const text = 'Votre commande 12345 est en route, livraison demain avant 13h.';
  const { encoding, segmentCount } = analyzeSms(text);
  const message = (n: number): OutboundSms => ({ messageId: `B${String(n).padStart(9, '0')}`, tenantId: 'ten_bench', from: 'MaBoutique', to: '+33612345678', text, encoding, segments: segmentCount, requestReceipt: true });

  // Warm-up: the bind, JIT.
  for (let n = 0; n < 200; n++) await provider.submit(message(-n - 1));
  receipts -= 200;

  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages) {
        const result = await provider.submit(message(next++));
        if (result.kind !== 'submitted') failed++;
      }
    }),
  );
  const submittedMs = performance.now() - started;
  await Promise.race([receiptsDone, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  const receiptsMs = performance.now() - started;
  await provider.close();
  return { submitsPerSecond: Math.round((messages / submittedMs) * 1000), receipts, receiptsAfterMs: Math.round(receiptsMs), failed };
}
