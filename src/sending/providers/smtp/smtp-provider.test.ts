import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, verifyDkim, type SmtpSink } from '../../../../test/support/smtp-sink.ts';
import { buildUnsubscribeHeaders } from '../../unsubscribe/list-unsubscribe.ts';
import { createUnsubscribeTokens } from '../../unsubscribe/unsubscribe-token.ts';
import type { OutboundEmail, ProviderSink } from '../provider.ts';
import { createSmtpProvider, smtpProviderFactory, type SmtpProvider } from './smtp-provider.ts';
import { resolveSmtpConfig, SmtpSecretsSchema, SmtpSettingsSchema, type SmtpSecrets, type SmtpSettingsInput } from './smtp-settings.ts';

const tokens = createUnsubscribeTokens(Buffer.alloc(32, 3));
/** The fake relays listen on loopback, which only an operator's HUB_WEBHOOK_ALLOW_PRIVATE_TARGETS=true allows. */
const LOOPBACK_PEER = { allowPrivateTargets: true };
const providers: SmtpProvider[] = [];

function provider(settings: SmtpSettingsInput, secrets?: SmtpSecrets): SmtpProvider {
  const created = createSmtpProvider(resolveSmtpConfig(SmtpSettingsSchema.parse(settings), secrets && SmtpSecretsSchema.parse(secrets)), { network: LOOPBACK_PEER });
  providers.push(created);
  return created;
}

function email(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  const to = overrides.to ?? 'camille.martin@example.fr';
  const messageId = overrides.messageId ?? 'k3J9aQ2xZp';
  return {
    messageId,
    tenantId: 'ten_8Qy2mZ0bW1nV4xR7tK3p',
    from: { email: 'news@boutique.example', name: 'Boutique Élise' },
    to,
    subject: 'Soldes d’hiver : -30 % sur tout ✨',
    text: 'Bonjour Camille,\n\nÀ bientôt en boutique !\n',
    html: '<p>Bonjour <b>Camille</b>,</p><p>À bientôt en boutique !</p>',
    ...overrides,
    headers:
      overrides.headers ??
      buildUnsubscribeHeaders({ tokens, tenantId: 'ten_8Qy2mZ0bW1nV4xR7tK3p', messageId, address: to, publicUrl: 'https://hub.example.com', mailto: 'unsubscribe@bounces.boutique.example' }),
  };
}

/** The header block of a raw message, split into fields with their folding kept. */
function rawHeaderFields(raw: Buffer): string[] {
  const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
  return head.split(/\r\n(?![ \t])/);
}

const unfold = (field: string) => field.replace(/\r\n(?=[ \t])/g, '');

afterEach(async () => {
  await Promise.all(providers.splice(0).map((each) => each.close()));
});

describe('SMTP provider against aiosmtpd', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
  });
  const plain = () => ({ host: '127.0.0.1', port: sink.port, security: 'none' as const });

  it('delivers text + HTML as multipart/alternative with the unsubscribe headers, the Message-ID and encoded UTF-8', async () => {
    const before = (await sink.messages()).length;
    const message = email();
    const result = await provider(plain()).submit(message);
    expect(result).toEqual({ kind: 'submitted', providerMessageIds: ['<k3J9aQ2xZp@boutique.example>'] });

    const received = (await sink.messages()).slice(before);
    expect(received).toHaveLength(1);
    const [mail] = received as [(typeof received)[number]];
    expect(mail.mailFrom).toBe('news@boutique.example');
    expect(mail.rcptTos).toEqual(['camille.martin@example.fr']);

    // Byte level: 7-bit, CRLF lines within the RFC 5322 limit, and the headers as they go on the wire.
    expect(mail.raw.every((byte) => byte < 0x80)).toBe(true);
    expect(mail.raw.toString('latin1').split('\r\n').every((line) => line.length <= 998 && !line.includes('\n'))).toBe(true);
    const fields = rawHeaderFields(mail.raw);
    const field = (name: string) => fields.filter((each) => each.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    expect(field('List-Unsubscribe-Post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    // Folded between the two URIs only: never after the colon, never inside a URI.
    const [mailto, https] = message.headers['List-Unsubscribe']!.split(', ') as [string, string];
    expect(field('List-Unsubscribe')).toEqual([`List-Unsubscribe: ${mailto},\r\n ${https}`]);
    expect(field('List-Unsubscribe').map(unfold)).toEqual([`List-Unsubscribe: ${message.headers['List-Unsubscribe']}`]);
    expect(field('Message-ID')).toEqual(['Message-ID: <k3J9aQ2xZp@boutique.example>']);
    expect(field('To')).toEqual(['To: camille.martin@example.fr']);
    expect(field('From')).toEqual(['From: =?UTF-8?Q?Boutique_=C3=89lise?= <news@boutique.example>']);
    expect(field('Subject').map(unfold)[0]).toMatch(/^Subject: (=\?UTF-8\?[QB]\?[!-~]+\?= ?)+$/);
    expect(field('MIME-Version')).toEqual(['MIME-Version: 1.0']);
    expect(field('Date')).toHaveLength(1);

    // What a mail client reads (Python's email package, independent of nodemailer).
    expect(mail.parsed).toMatchObject({
      subject: 'Soldes d’hiver : -30 % sur tout ✨',
      from: 'Boutique Élise <news@boutique.example>',
      to: 'camille.martin@example.fr',
      messageId: '<k3J9aQ2xZp@boutique.example>',
      contentType: 'multipart/alternative',
      listUnsubscribe: message.headers['List-Unsubscribe'],
      listUnsubscribePost: 'List-Unsubscribe=One-Click',
    });
    // Text first, HTML last: the last alternative is the preferred one (RFC 2046 §5.1.4).
    expect(mail.parsed.parts.map((part) => [part.contentType, part.charset])).toEqual([
      ['text/plain', 'utf-8'],
      ['text/html', 'utf-8'],
    ]);
    expect(mail.parsed.parts[0]!.content.replace(/\r\n/g, '\n')).toBe(message.text);
    expect(mail.parsed.parts[1]!.content.replace(/\r\n/g, '\n').trimEnd()).toBe(message.html);
  });

  it('sends a single text/plain part without html, and uses the bounce address and Message-ID domain of the settings', async () => {
    const before = (await sink.messages()).length;
    const result = await provider({ ...plain(), bounceAddress: 'bounces@hub.example', messageIdDomain: 'mail.hub.example' }).submit(email({ html: undefined, messageId: 'Txt0000001' }));
    expect(result).toEqual({ kind: 'submitted', providerMessageIds: ['<Txt0000001@mail.hub.example>'] });
    const [mail] = (await sink.messages()).slice(before);
    expect(mail!.mailFrom).toBe('bounces@hub.example');
    expect(mail!.parsed.contentType).toBe('text/plain');
    expect(mail!.parsed.parts).toHaveLength(1);
    expect(mail!.parsed.messageId).toBe('<Txt0000001@mail.hub.example>');
  });

  it.each([
    ['550 at RCPT TO', 'rcpt-550@example.fr', { kind: 'rejected', code: '550' }, /RCPT TO: 550 5\.1\.1/],
    ['553 at RCPT TO', 'rcpt-553@example.fr', { kind: 'rejected', code: '553' }, /553 5\.1\.3/],
    ['554 at the end of DATA', 'data-554@example.fr', { kind: 'rejected', code: '554' }, /DATA: 554 5\.7\.1/],
    ['451 at RCPT TO', 'rcpt-451@example.fr', { kind: 'retry' }, /451 4\.3\.0/],
  ])('maps %s', async (_name, to, expected, reason) => {
    const before = (await sink.messages()).length;
    const result = await provider(plain()).submit(email({ to }));
    expect(result).toMatchObject(expected);
    expect(result.kind !== 'submitted' && result.reason).toMatch(reason);
    expect(await sink.messages()).toHaveLength(before);
  });

  it('refuses locally what it cannot send, without talking to the server', async () => {
    const before = (await sink.messages()).length;
    expect(await provider(plain()).submit(email({ headers: { 'Message-ID': '<spoof@example.com>' } }))).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('Message-ID') });
    expect(await provider(plain()).submit(email({ to: 'a@example.fr, b@example.fr', headers: {} }))).toMatchObject({ kind: 'rejected' });
    expect(await sink.messages()).toHaveLength(before);
  });

  it('sends many messages concurrently over a small pool, then closes', async () => {
    const before = (await sink.messages()).length;
    const smtp = provider({ ...plain(), poolSize: 2, maxMessagesPerConnection: 3 });
    const ids = Array.from({ length: 12 }, (_, index) => `Pool${String(index).padStart(6, '0')}`);
    const results = await Promise.all(ids.map((messageId) => smtp.submit(email({ messageId }))));
    expect(results.map((result) => result.kind)).toEqual(ids.map(() => 'submitted'));
    const received = (await sink.messages()).slice(before);
    expect(received.map((mail) => mail.parsed.messageId).sort()).toEqual(ids.map((id) => `<${id}@boutique.example>`).sort());
    await smtp.close();
    expect(await smtp.submit(email())).toMatchObject({ kind: 'retry', reason: expect.stringContaining('closed') });
  });

  it('verifies the connection settings', async () => {
    expect(await provider(plain()).verify()).toEqual({ ok: true });
  });

  it('is what the registry factory creates', async () => {
    const sinkCalls: string[] = [];
    const providerSink: ProviderSink = { receipt: async () => void sinkCalls.push('receipt'), inbound: async () => void sinkCalls.push('inbound') };
    const created = await smtpProviderFactory.create(
      { settings: smtpProviderFactory.settings.parse(plain()), secrets: undefined, context: { tenantId: 'ten_1', channel: 'email', log: pino({ level: 'silent' }), network: LOOPBACK_PEER } },
      providerSink,
    );
    if (created.channel !== 'email') throw new Error('the smtp factory made an SMS provider');
    providers.push(created as SmtpProvider);
    expect(created).toMatchObject({ channel: 'email', kind: 'smtp' });
    expect(await created.submit(email({ messageId: 'Factory001' }))).toMatchObject({ kind: 'submitted' });
    expect(sinkCalls).toEqual([]);
  });

  describe('DKIM', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    it('signs with a key dkimpy verifies, covering List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 §4)', async () => {
      const before = (await sink.messages()).length;
      const smtp = provider({ ...plain(), dkim: { domainName: 'boutique.example', keySelector: 'hub2026' } }, { dkimPrivateKey: privatePem });
      expect(await smtp.submit(email({ messageId: 'Dkim000001' }))).toMatchObject({ kind: 'submitted' });
      const [mail] = (await sink.messages()).slice(before);
      const signature = unfold(rawHeaderFields(mail!.raw).find((each) => each.startsWith('DKIM-Signature:'))!);
      expect(signature).toMatch(/[; ]d=boutique\.example;/);
      expect(signature).toMatch(/[; ]s=hub2026;/);
      const signed = /[; ]h=([^;]+);/.exec(signature)![1]!.replace(/\s/g, '').toLowerCase().split(':');
      expect(signed).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']));
      expect(await verifyDkim(mail!.path, txt)).toBe(true);
    });

    it('fails verification when a signed header is altered (the check can fail)', async () => {
      const before = (await sink.messages()).length;
      const smtp = provider({ ...plain(), dkim: { domainName: 'boutique.example', keySelector: 'hub2026' } }, { dkimPrivateKey: privatePem });
      await smtp.submit(email({ messageId: 'Dkim000002' }));
      const [mail] = (await sink.messages()).slice(before);
      const dir = await mkdtemp(join(tmpdir(), 'dkim-'));
      try {
        const altered = join(dir, 'altered.eml');
        await writeFile(altered, mail!.raw.toString('latin1').replace('List-Unsubscribe=One-Click', 'List-Unsubscribe=Two-Clicks'), 'latin1');
        expect(await verifyDkim(altered, txt)).toBe(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('SMTP provider when the server is not there', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never greets: a stalled relay.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('answers retry when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const smtp = provider({ host: '127.0.0.1', port, security: 'none' });
    expect(await smtp.submit(email())).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
    expect(await smtp.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('answers retry when the server never greets', async () => {
    const { port } = silent.address() as { port: number };
    const smtp = provider({ host: '127.0.0.1', port, security: 'none', connectionTimeoutMs: 300 });
    expect(await smtp.submit(email())).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ETIMEDOUT') });
  });
});

describe('SMTP provider with AUTH and STARTTLS', () => {
  let dir: string;
  let tlsSink: SmtpSink;
  let authSink: SmtpSink;
  let certificate: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-tls-'));
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=sink.test',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath,
    ]);
    certificate = await readFile(certPath, 'utf8');
    tlsSink = await startSmtpSink({ tls: { certPath, keyPath }, auth: { user: 'hub', password: 'pa55-wörd' } });
    authSink = await startSmtpSink({ auth: { user: 'hub', password: 'pa55-wörd' } });
  });
  afterAll(async () => {
    await tlsSink?.close();
    await authSink?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades with STARTTLS, trusting the private CA, then authenticates', async () => {
    const before = (await tlsSink.messages()).length;
    const smtp = provider({ host: '127.0.0.1', port: tlsSink.port, security: 'starttls', caCertificate: certificate, user: 'hub' }, { password: 'pa55-wörd' });
    expect(await smtp.submit(email({ messageId: 'Tls0000001' }))).toMatchObject({ kind: 'submitted' });
    const [mail] = (await tlsSink.messages()).slice(before);
    expect(mail).toMatchObject({ tls: true, login: 'hub' });
  });

  it('refuses a server certificate it does not trust (retry: the settings must change)', async () => {
    const smtp = provider({ host: '127.0.0.1', port: tlsSink.port, security: 'starttls', user: 'hub' }, { password: 'pa55-wörd' });
    expect(await smtp.submit(email())).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/certificate/i) });
  });

  it('refuses to send in clear when STARTTLS is required and not offered', async () => {
    const before = (await authSink.messages()).length;
    const smtp = provider({ host: '127.0.0.1', port: authSink.port, security: 'starttls', user: 'hub' }, { password: 'pa55-wörd' });
    expect(await smtp.submit(email())).toMatchObject({ kind: 'retry', reason: expect.stringContaining('TLS') });
    expect(await authSink.messages()).toHaveLength(before);
  });

  it('authenticates with the password from the secrets, and keeps messages for later when it is wrong', async () => {
    const before = (await authSink.messages()).length;
    const good = provider({ host: '127.0.0.1', port: authSink.port, security: 'none', user: 'hub' }, { password: 'pa55-wörd' });
    expect(await good.submit(email({ messageId: 'Auth000001' }))).toMatchObject({ kind: 'submitted' });
    expect((await authSink.messages()).slice(before)).toMatchObject([{ login: 'hub' }]);

    const bad = provider({ host: '127.0.0.1', port: authSink.port, security: 'none', user: 'hub' }, { password: 'wrong' });
    expect(await bad.submit(email({ messageId: 'Auth000002' }))).toMatchObject({ kind: 'retry', afterMs: 300_000, reason: expect.stringContaining('535') });
    expect(await bad.verify()).toMatchObject({ ok: false, reason: expect.stringContaining('credentials') });
    expect(await authSink.messages()).toHaveLength(before + 1);
  });
});
