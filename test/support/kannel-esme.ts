/**
 * Kannel (Debian's bearerbox + smsbox) as a real third-party ESME against the hub's SMPP server, for
 * end-to-end tests. Configuration is generated into a temporary folder: one `smsc = smpp` group per
 * connection set (a transceiver, or a transmitter + receiver pair through `receive-port`), smsbox's
 * sendsms HTTP interface to send, `dlr-url` and an `sms-service` `get-url` pointing at a local HTTP
 * receiver that records delivery reports and MO.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

export interface KannelSmsc {
  /** smsc-id, used to route a sendsms to this connection set. */
  id: string;
  mode: 'transceiver' | 'transmitter+receiver';
  systemId: string;
  password: string;
}

/** What Kannel reported on a dlr-url: type 1 delivered, 2 undelivered, 4 buffered, 8 SMSC ack, 16 SMSC reject. */
export interface KannelDlr {
  ref: string;
  type: number;
  smscId: string;
  reply: string;
}

export interface KannelMo {
  from: string;
  to: string;
  text: string;
  smscId: string;
}

export class KannelEsme {
  readonly dlrs: KannelDlr[] = [];
  readonly mos: KannelMo[] = [];
  readonly #dir: string;
  readonly #children: ChildProcess[] = [];
  readonly #receiver: Server;
  #receiverUrl = '';
  #sendsmsPort = 0;
  #adminPort = 0;

  private constructor(dir: string) {
    this.#dir = dir;
    this.#receiver = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://receiver');
      const query = Object.fromEntries(url.searchParams);
      if (url.pathname === '/dlr') this.dlrs.push({ ref: query.ref ?? '', type: Number(query.type), smscId: query.smsc ?? '', reply: query.reply ?? '' });
      if (url.pathname === '/mo') this.mos.push({ from: query.from ?? '', to: query.to ?? '', text: query.text ?? '', smscId: query.smsc ?? '' });
      response.writeHead(200, { 'content-type': 'text/plain' });
      // An empty answer: smsbox sends no reply SMS (omit-empty).
      response.end('');
    });
  }

  /** Writes the configuration, starts bearerbox and smsbox, and waits until every SMSC connection is online. */
  static async start(hubPort: number, smscs: KannelSmsc[]): Promise<KannelEsme> {
    const kannel = new KannelEsme(await mkdtemp(join(tmpdir(), 'kannel-')));
    try {
      await kannel.#start(hubPort, smscs);
      return kannel;
    } catch (error) {
      await kannel.stop();
      throw error;
    }
  }

  async #start(hubPort: number, smscs: KannelSmsc[]): Promise<void> {
    this.#receiver.listen(0, '127.0.0.1');
    await once(this.#receiver, 'listening');
    this.#receiverUrl = `http://127.0.0.1:${(this.#receiver.address() as AddressInfo).port}`;
    const [smsboxPort, adminPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
    this.#sendsmsPort = sendsmsPort;
    this.#adminPort = adminPort;
    const dir = this.#dir;
    // A transmitter + receiver pair is two groups with the same smsc-id (Kannel 1.4.5 refuses port and
    // receive-port in one group): receipts arriving on the receiver find the messages sent by the transmitter.
    const group = (smsc: KannelSmsc, connection: string[]) =>
      [
        'group = smsc',
        'smsc = smpp',
        `smsc-id = ${smsc.id}`,
        `allowed-smsc-id = ${smsc.id}`,
        'host = 127.0.0.1',
        ...connection,
        `smsc-username = ${smsc.systemId}`,
        `smsc-password = ${smsc.password}`,
        'system-type = ""',
        'interface-version = 34',
        'enquire-link-interval = 30',
        'reconnect-delay = 1',
        'max-pending-submits = 10',
        'wait-ack = 60',
        'wait-ack-expire = 0x03',
      ].join('\n');
    const groups = smscs.flatMap((smsc) =>
      smsc.mode === 'transceiver'
        ? [group(smsc, [`port = ${hubPort}`, 'transceiver-mode = true'])]
        : [group(smsc, [`port = ${hubPort}`]), group(smsc, [`receive-port = ${hubPort}`])],
    );
    const config = [
      'group = core',
      `admin-port = ${adminPort}`,
      'admin-password = admin',
      'admin-allow-ip = "127.0.0.1"',
      `smsbox-port = ${smsboxPort}`,
      'box-allow-ip = "127.0.0.1"',
      `log-file = "${join(dir, 'bearerbox.log')}"`,
      'log-level = 0',
      'dlr-storage = internal',
      '',
      ...groups.flatMap((group) => [group, '']),
      'group = smsbox',
      'bearerbox-host = 127.0.0.1',
      `bearerbox-port = ${smsboxPort}`,
      `sendsms-port = ${sendsmsPort}`,
      `log-file = "${join(dir, 'smsbox.log')}"`,
      'log-level = 0',
      'mo-recode = true',
      '',
      'group = sendsms-user',
      'username = tester',
      'password = foobar',
      'max-messages = 10',
      'concatenation = true',
      '',
      'group = sms-service',
      'keyword = default',
      'catch-all = true',
      'max-messages = 0',
      'omit-empty = true',
      `get-url = "${this.#receiverUrl}/mo?from=%p&to=%P&text=%a&smsc=%i"`,
      '',
    ].join('\n');
    const file = join(dir, 'kannel.conf');
    await writeFile(file, config);
    this.#spawn('/usr/sbin/bearerbox', file);
    await this.#until(async () => (await fetch(`http://127.0.0.1:${adminPort}/status.txt?password=admin`)).ok, 'bearerbox admin');
    this.#spawn('/usr/sbin/smsbox', file);
    await this.#until(async () => (await fetch(`http://127.0.0.1:${sendsmsPort}/`).catch(() => undefined)) !== undefined, 'smsbox sendsms');
    await this.#until(async () => {
      const lines = (await this.status()).split('\n');
      return smscs.every((smsc) => {
        const connections = lines.filter((line) => line.includes(`${smsc.id}[${smsc.id}]`));
        return connections.length > 0 && connections.every((line) => line.includes('(online'));
      });
    }, 'every SMSC connection online');
  }

  #spawn(binary: string, config: string): void {
    const child = spawn(binary, ['-v', '4', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    // A missing binary: `bash .ci/system-packages.sh kannel` (or apt-get install kannel) installs it.
    child.once('error', (error) => (this.exitNote = `${binary} could not start (${error.message}); install Debian's kannel package`));
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null) this.exitNote = `${binary} exited with ${code}: ${stderr}`;
    });
    this.#children.push(child);
  }

  exitNote = '';

  async #until(probe: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitNote) throw new Error(this.exitNote);
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`Kannel: timed out waiting for ${what}\n${await this.logs()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** bearerbox's status page (text). */
  async status(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.#adminPort}/status.txt?password=admin`);
    return response.text();
  }

  /**
   * Sends through smsbox's sendsms interface; `ref` comes back in the dlr-url. `coding` 0 = 7-bit, 2 = UCS-2
   * (the text is given in UTF-8 with charset=UTF-8).
   */
  async send(input: { smsc: string; from: string; to: string; text: string; ref: string; coding?: 0 | 2 }): Promise<string> {
    const dlrUrl = `${this.#receiverUrl}/dlr?ref=${encodeURIComponent(input.ref)}&type=%d&smsc=%i&reply=%A`;
    const query = new URLSearchParams({
      username: 'tester',
      password: 'foobar',
      smsc: input.smsc,
      from: input.from,
      to: input.to,
      text: input.text,
      charset: 'UTF-8',
      coding: String(input.coding ?? 0),
      'dlr-mask': '3',
      'dlr-url': dlrUrl,
    });
    const response = await fetch(`http://127.0.0.1:${this.#sendsmsPort}/cgi-bin/sendsms?${query.toString()}`);
    const body = await response.text();
    if (response.status !== 202 && response.status !== 200) throw new Error(`sendsms answered ${response.status}: ${body}`);
    return body;
  }

  async logs(): Promise<string> {
    const read = (name: string) => readFile(join(this.#dir, name), 'utf8').catch(() => '');
    const tail = (text: string) => text.split('\n').slice(-60).join('\n');
    return `--- bearerbox.log\n${tail(await read('bearerbox.log'))}\n--- smsbox.log\n${tail(await read('smsbox.log'))}`;
  }

  /** Stops smsbox and bearerbox (SIGTERM, then SIGKILL), the receiver, and removes the folder. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.#children].reverse().map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    this.#receiver.closeAllConnections();
    if (this.#receiver.listening) await new Promise<void>((resolve) => this.#receiver.close(() => resolve()));
    await rm(this.#dir, { recursive: true, force: true });
  }
}
