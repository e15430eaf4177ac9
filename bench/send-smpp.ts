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
import { parseArgs } from 'node:util';
import { startNetSmppSmsc } from '../test/support/smsc-netsmpp.ts';
import { rawProviderRun, startFastSmsc } from './support/fast-smsc.ts';

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

async function run(label: string, port: number, messages: number): Promise<void> {
  const figures = await rawProviderRun({ port, messages, window, concurrency });
  console.log(
    `${label.padEnd(34)} ${String(messages).padStart(6)} msgs  window ${window}  ${String(figures.submitsPerSecond).padStart(6)} submits/s  receipts ${figures.receipts}/${messages} after ${(figures.receiptsAfterMs / 1000).toFixed(2)} s  not submitted ${figures.failed}`,
  );
}

const fast = await startFastSmsc();
await run('in-process SmppSession SMSC', fast.port, Number(values.messages));
await fast.close();

const perl = await startNetSmppSmsc({ receipt_delay_ms: 0 });
await run('Net::SMPP SMSC (Perl, blocking)', perl.port, Number(values['netsmpp-messages']));
await perl.close();
