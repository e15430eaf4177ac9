/**
 * bench/send-smpp: messages/s through the SMPP upstream provider (src/sending/providers/smpp) to a local SMSC:
 * `submit()` calls from many concurrent callers (as the pipeline's submit workers call it), each one
 * planned, gated (window), sent and answered, with a delivery receipt per message stored by a sink.
 *
 * Two SMSCs: a fast one of our own in this process (an SmppSession answering at once, then sending the
 * receipt), which measures the provider; and Net::SMPP (test/support/smsc-netsmpp.pl, a blocking Perl
 * process), for reference against a third-party SMSC.
 *
 *   node bench/send-smpp.ts [--messages 20000] [--window 50] [--concurrency 200] [--netsmpp-messages 3000]
 */
import { once } from 'node:events';
import net from 'node:net';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { SmppSession } from '../src/smpp-protocol/index.ts';
import { analyzeSms } from '../src/sending/encoding/index.ts';
import type { OutboundSms, ProviderSink } from '../src/sending/providers/provider.ts';
import { createSmppProvider } from '../src/sending/providers/smpp/smpp-provider.ts';
import { SmppSettingsSchema } from '../src/sending/providers/smpp/smpp-settings.ts';
import { startNetSmppSmsc } from '../test/support/smsc-netsmpp.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    window: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '200' },
    'netsmpp-messages': { type: 'string', default: '3000' },
  },
});
const window = Number(values.window);
const concurrency = Number(values.concurrency);

/** An SMSC that answers every submit_sm at once and sends its receipt right after. */
async function startFastSmsc(): Promise<{ port: number; close(): Promise<void> }> {
  const sessions: SmppSession[] = [];
  const server = net.createServer((socket) => {
    const session = new SmppSession(socket, { window: 1000, maxOwedResponses: 10_000 });
    sessions.push(session);
    let next = 0;
    session.on('request', (pdu) => {
      if (pdu.command === 'bind_transceiver') {
        void session.respond(pdu, { command: 'bind_transceiver_resp', system_id: 'fast' });
      } else if (pdu.command === 'submit_sm') {
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
    async close() {
      for (const session of sessions) session.destroy('bench over');
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function run(label: string, port: number, messages: number): Promise<void> {
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
  console.log(
    `${label.padEnd(34)} ${String(messages).padStart(6)} msgs  window ${window}  ${Math.round((messages / submittedMs) * 1000)
      .toString()
      .padStart(6)} submits/s  receipts ${receipts}/${messages} after ${(receiptsMs / 1000).toFixed(2)} s  not submitted ${failed}`,
  );
}

const fast = await startFastSmsc();
await run('in-process SmppSession SMSC', fast.port, Number(values.messages));
await fast.close();

const perl = await startNetSmppSmsc({ receipt_delay_ms: 0 });
await run('Net::SMPP SMSC (Perl, blocking)', perl.port, Number(values['netsmpp-messages']));
await perl.close();
