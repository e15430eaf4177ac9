import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/**
 * Net::SMPP (Debian: libnet-smpp-perl, see .ci/system-packages.sh) as the SMSC of end-to-end tests,
 * driven by `smsc-netsmpp.pl`: it logs every PDU it receives as a JSON line (fields, short_message
 * in hex), answers submit_sm with message ids, sends receipts and MOs, and can be told to throttle,
 * refuse numbers, answer slowly or drop a connection. See the script's header for the knobs.
 */

const SCRIPT = new URL('./smsc-netsmpp.pl', import.meta.url).pathname;
/** apt installs Net::SMPP for the system Perl. */
const PERL = process.env.TEST_SYSTEM_PERL ?? '/usr/bin/perl';

export interface SmscConfig {
  system_id?: string;
  password?: string;
  receipt_delay_ms?: number;
  /** 0: receipts carry the text only, no receipted_message_id / message_state TLVs. */
  receipt_tlvs?: 0 | 1;
  redeliver_ms?: number;
  /** Numbers (as in destination_addr, without "+") whose receipts say UNDELIV. */
  undeliverable?: string[];
  /** destination_addr → command_status answered to its submit_sm. */
  reject?: Record<string, number>;
  throttle?: number;
  /** The next submit_sm are answered with these statuses, in order (0 accepts). */
  script?: number[];
  queue_full?: number;
  slow_ms?: number;
  /** -1: every submit_sm. */
  slow_count?: number;
  drop_after?: number;
}

/** One line of the SMSC's log; `event` says which fields are there. */
export type SmscEvent = { event: string; conn?: number; [field: string]: unknown };

export interface SubmitSmEvent extends SmscEvent {
  event: 'submit_sm';
  conn: number;
  seq: number;
  service_type: string;
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  esm_class: number;
  protocol_id: number;
  validity_period: string;
  registered_delivery: number;
  data_coding: number;
  short_message_hex: string;
  body_hex: string;
  tlvs: Record<string, string>;
  /** Absent when the connection was dropped instead. */
  status?: number;
  message_id?: string;
  answer?: 'dropped';
}

export interface DeliverFields {
  source_addr_ton?: number;
  source_addr_npi?: number;
  source_addr: string;
  dest_addr_ton?: number;
  dest_addr_npi?: number;
  destination_addr: string;
  esm_class?: number;
  data_coding: number;
  short_message_hex: string;
  /** TLV name (Net::SMPP's) → value in hex. */
  tlvs?: Record<string, string>;
}

export interface NetSmppSmsc {
  port: number;
  /** Every event so far, in order. */
  readonly events: SmscEvent[];
  submits(): SubmitSmEvent[];
  /** Resolves with the first event (already logged or to come) that matches. */
  waitFor(match: (event: SmscEvent) => boolean, what: string, timeoutMs?: number): Promise<SmscEvent>;
  set(config: SmscConfig): Promise<void>;
  /**
   * Resolves once every line the SMSC printed before now was read. Its log travels through a pipe and
   * its answers through the socket, so a submit_sm_resp can reach the hub before the submit_sm's log line
   * reaches the test; the SMSC handles one thing at a time, so the answer to a command comes after.
   */
  sync(): Promise<void>;
  /** Sends a deliver_sm (an MO) to the bound receiver or transceiver. */
  deliver(fields: DeliverFields): Promise<void>;
  close(): Promise<void>;
}

export async function startNetSmppSmsc(config: SmscConfig = {}): Promise<NetSmppSmsc> {
  const child: ChildProcess = spawn(PERL, [SCRIPT, '--config', JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const events: SmscEvent[] = [];
  const watchers = new Set<() => void>();
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    events.push(JSON.parse(line) as SmscEvent);
    for (const watcher of [...watchers]) watcher();
  });
  const exited = once(child, 'exit');

  function waitFor(match: (event: SmscEvent) => boolean, what: string, timeoutMs = 10_000): Promise<SmscEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = events.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`smsc-netsmpp.pl exited while waiting for ${what}: ${stderr || 'no output'}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what} from the SMSC; last events: ${JSON.stringify(events.slice(-5))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        watchers.delete(check);
        child.removeListener('exit', check);
      };
      watchers.add(check);
      child.once('exit', check);
      check();
    });
  }

  let nextCommand = 0;
  async function command(body: Record<string, unknown>): Promise<void> {
    const id = ++nextCommand;
    child.stdin!.write(`${JSON.stringify({ ...body, id })}\n`);
    await waitFor((event) => event.event === 'ack' && event.id === id, `the SMSC to take command ${String(body.cmd)}`);
  }

  const listening = await waitFor((event) => event.event === 'listening', 'the SMSC to listen').catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; is libnet-smpp-perl installed?`);
  });

  return {
    port: listening.port as number,
    events,
    submits: () => events.filter((event): event is SubmitSmEvent => event.event === 'submit_sm'),
    waitFor,
    set: (changes) => command({ cmd: 'set', config: changes }),
    sync: () => command({ cmd: 'set', config: {} }),
    deliver: (fields) => command({ cmd: 'deliver', fields }),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // End of stdin ends the script; SIGKILL if it does not.
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
