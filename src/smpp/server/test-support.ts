/**
 * An ESME for tests, on our own protocol layer: connects, binds, submits, and records the deliver_sm
 * it receives (answering them with a chosen status).
 */
import { once } from 'node:events';
import net from 'node:net';
import { SmppSession } from '../../smpp-protocol/index.ts';
import type { PduInputOf, PduOf } from '../../smpp-protocol/index.ts';

export type Deliver = PduOf<'deliver_sm'>;

export class TestEsme {
  readonly session: SmppSession;
  readonly received: Deliver[] = [];
  /** The command_status answered to the next deliver_sm (0 by default). */
  answer: (pdu: Deliver) => number = () => 0;
  #waiters: (() => void)[] = [];

  private constructor(session: SmppSession) {
    this.session = session;
    session.on('request', (pdu) => {
      if (pdu.command !== 'deliver_sm') return;
      this.received.push(pdu);
      void session.respond(pdu, { command: 'deliver_sm_resp', command_status: this.answer(pdu) });
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async connect(port: number, options: { window?: number } = {}): Promise<TestEsme> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new TestEsme(new SmppSession(socket, { window: options.window ?? 10, enquireLinkIntervalMs: 0 }));
  }

  static async bound(port: number, systemId: string, password: string, type: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver'): Promise<TestEsme> {
    const esme = await TestEsme.connect(port);
    const status = await esme.bind(type, systemId, password);
    if (status !== 0) throw new Error(`bind_${type} failed with 0x${status.toString(16)}`);
    return esme;
  }

  async bind(type: 'transmitter' | 'receiver' | 'transceiver', systemId: string, password: string): Promise<number> {
    const response = await this.session.request({ command: `bind_${type}`, system_id: systemId, password } as Parameters<SmppSession['request']>[0]);
    return response.command_status;
  }

  async submit(fields: Partial<PduInputOf<'submit_sm'>> & { text?: string }): Promise<{ status: number; id: string }> {
    const { text, ...rest } = fields;
    const response = await this.session.request({
      command: 'submit_sm',
      source_addr: 'Shop',
      source_addr_ton: 5,
      destination_addr: '33612345678',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      data_coding: 0,
      registered_delivery: 1,
      ...(text === undefined ? {} : { short_message: Buffer.from(text, 'latin1') }),
      ...rest,
    });
    return { status: response.command_status, id: response.command === 'submit_sm_resp' ? response.message_id : '' };
  }

  receipts(): Deliver[] {
    return this.received.filter((pdu) => (pdu.esm_class & 0x3c) === 0x04);
  }

  async waitFor(predicate: (received: Deliver[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received ${this.received.length} deliver_sm`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.session.isClosed) return;
    const timer = setTimeout(() => this.session.destroy('test done'), 2_000);
    await this.session.unbind();
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns something truthy. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false | null>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The receipt text's fields (SMPP 3.4 Appendix B). */
export function parseReceipt(pdu: Deliver): Record<string, string> {
  const text = pdu.short_message.toString('latin1');
  const fields: Record<string, string> = {};
  for (const match of text.matchAll(/(id|sub|dlvrd|submit date|done date|stat|err):(\S+)/g)) fields[match[1]!] = match[2]!;
  fields.text = text.slice(text.indexOf('text:') + 5);
  return fields;
}
