import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

/**
 * aiosmtpd (Debian: python3-aiosmtpd, see .ci/system-packages.sh) as the SMTP server of end-to-end
 * tests: a real third-party implementation on loopback, driven by `smtp-sink.py`. Recipients
 * script refusals: `rcpt-550@…` is refused at RCPT TO, `data-554@…` at the end of DATA.
 */

/** apt installs aiosmtpd for the system Python, whatever `python3` is first on the PATH. */
export const SYSTEM_PYTHON = process.env.TEST_SYSTEM_PYTHON ?? '/usr/bin/python3';

const SCRIPT = new URL('./smtp-sink.py', import.meta.url).pathname;
const DKIM_SCRIPT = new URL('./dkim-verify.py', import.meta.url).pathname;

export interface ParsedPart {
  contentType: string;
  charset: string | null;
  transferEncoding: string | null;
  content: string;
}

export interface ReceivedMessage {
  /** The DATA bytes as the server received them. */
  raw: Buffer;
  path: string;
  mailFrom: string;
  mailOptions: string[];
  rcptTos: string[];
  rcptOptions: string[];
  login: string | null;
  tls: boolean;
  /** As Python's email package (policy.default) reads the message: decoded headers and parts. */
  parsed: {
    subject: string | null;
    from: string | null;
    to: string | null;
    messageId: string | null;
    contentType: string;
    listUnsubscribe: string | null;
    listUnsubscribePost: string | null;
    parts: ParsedPart[];
  };
}

export interface SmtpSink {
  port: number;
  dir: string;
  /** Messages accepted so far, in order. */
  messages(): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(options: { auth?: { user: string; password: string }; tls?: { certPath: string; keyPath: string } } = {}): Promise<SmtpSink> {
  const dir = await mkdtemp(join(tmpdir(), 'smtp-sink-'));
  const args = [SCRIPT, '--dir', dir];
  if (options.auth) args.push('--auth', `${options.auth.user}:${options.auth.password}`);
  if (options.tls) args.push('--tls-cert', options.tls.certPath, '--tls-key', options.tls.keyPath);
  const child: ChildProcess = spawn(SYSTEM_PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`smtp-sink.py exited (${code}) before listening: ${stderr || 'no output'}; is python3-aiosmtpd installed?`)));
    child.once('error', reject);
  });
  return {
    port,
    dir,
    async messages() {
      const names = (await readdir(dir)).filter((name) => name.endsWith('.eml')).sort((a, b) => Number.parseInt(a) - Number.parseInt(b));
      return Promise.all(
        names.map(async (name) => {
          const path = join(dir, name);
          const record = JSON.parse(await readFile(path.replace(/\.eml$/, '.json'), 'utf8')) as Omit<ReceivedMessage, 'raw' | 'path'>;
          return { ...record, raw: await readFile(path), path };
        }),
      );
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Verifies a message's DKIM signature with dkimpy (python3-dkim), the public key given as its DNS TXT record. */
export async function verifyDkim(messagePath: string, txtRecord: string): Promise<boolean> {
  const { stdout } = await promisify(execFile)(SYSTEM_PYTHON, [DKIM_SCRIPT, messagePath, txtRecord]);
  return (JSON.parse(stdout) as { ok: boolean }).ok;
}
