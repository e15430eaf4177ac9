import type { PduInputOf, SmppSession } from '../../src/smpp-protocol/index.ts';

/**
 * The SMPP benchmarks' load: `window` workers on one bound session, each sending its next
 * `submit_sm` as soon as the previous one is answered, until `messages` were sent. Resolves with the
 * elapsed time and the submit_sm_resp latencies (ms, 2 decimals) at a quantile.
 */
export async function submitFlood(
  client: SmppSession,
  options: { window: number; messages: number; submit: Omit<PduInputOf<'submit_sm'>, 'command'> },
): Promise<{ seconds: number; latencyMs(quantile: number): number }> {
  const latencies: number[] = [];
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.window }, async () => {
      while (sent < options.messages) {
        sent++;
        const t = performance.now();
        const response = await client.request({ command: 'submit_sm', ...options.submit });
        latencies.push(performance.now() - t);
        if (response.command_status !== 0) throw new Error(`submit_sm failed: 0x${response.command_status.toString(16)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds, latencyMs: (q) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2)) };
}
