import { describe, expect, it } from 'vitest';
import type { OutboundEmail } from '../provider.ts';
import { composeSmtpMail, messageIdFromHeader, messageIdHeader } from './smtp-message.ts';
import { smtpFailureOutcome, smtpSentOutcome, type SmtpFailure } from './smtp-outcome.ts';
import { resolveSmtpConfig, SmtpConfigError, SmtpSecretsSchema, SmtpSettingsSchema } from './smtp-settings.ts';

const message: OutboundEmail = {
  messageId: 'k3J9aQ2xZp',
  tenantId: 'ten_1',
  from: { email: 'news@boutique.example', name: 'Boutique Élise' },
  to: 'camille@example.fr',
  subject: 'Soldes',
  text: 'Bonjour',
  headers: { 'List-Unsubscribe': '<https://hub.example.com/unsubscribe/T>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
};

describe('composeSmtpMail', () => {
  it('maps the message, with the Message-ID on the From domain and the DSN envelope id', () => {
    const composed = composeSmtpMail(message, {});
    expect(composed).toEqual({
      ok: true,
      messageIdHeader: '<k3J9aQ2xZp@boutique.example>',
      mail: {
        messageId: '<k3J9aQ2xZp@boutique.example>',
        from: { name: 'Boutique Élise', address: 'news@boutique.example' },
        to: { name: '', address: 'camille@example.fr' },
        subject: 'Soldes',
        text: 'Bonjour',
        headers: { 'List-Unsubscribe': { prepared: true, value: '<https://hub.example.com/unsubscribe/T>' }, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        dsn: { id: 'k3J9aQ2xZp', return: 'headers', notify: ['failure', 'delay'], recipient: 'camille@example.fr' },
      },
    });
  });

  it('attaches the files of the message (an appointment\'s .ics) as MIME parts nodemailer builds', async () => {
    const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n';
    const composed = composeSmtpMail({ ...message, attachments: [{ filename: 'rendez-vous.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: ics }] }, {});
    expect(composed).toMatchObject({ ok: true, mail: { attachments: [{ filename: 'rendez-vous.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: ics }] } });
    // What goes on the wire: a multipart/mixed message with the calendar part, as nodemailer writes it.
    const { createTransport } = await import('nodemailer');
    const built = await createTransport({ streamTransport: true, buffer: true }).sendMail(composed.ok ? composed.mail : {});
    const raw = (built.message as Buffer).toString();
    expect(raw).toMatch(/Content-Type: multipart\/mixed/);
    expect(raw).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=PUBLISH;\r\n name=rendez-vous\.ics/);
    expect(raw).toContain('Content-Disposition: attachment; filename=rendez-vous.ics');
  });

  it('adds html, Reply-To, the configured Message-ID domain and bounce address', () => {
    const composed = composeSmtpMail(
      { ...message, html: '<p>Bonjour</p>', replyTo: 'contact@boutique.example' },
      { messageIdDomain: 'Mail.Hub.Example', bounceAddress: 'bounces@hub.example' },
    );
    expect(composed).toMatchObject({
      ok: true,
      messageIdHeader: '<k3J9aQ2xZp@mail.hub.example>',
      mail: { html: '<p>Bonjour</p>', replyTo: { name: '', address: 'contact@boutique.example' }, envelope: { from: 'bounces@hub.example', to: ['camille@example.fr'] } },
    });
  });

  it('folds List-Unsubscribe between its URIs only, and leaves a value it cannot vouch for to nodemailer', () => {
    const headersOf = (value: string) => {
      const composed = composeSmtpMail({ ...message, headers: { 'List-Unsubscribe': value } }, {});
      return composed.ok ? composed.mail.headers : undefined;
    };
    expect(headersOf('<mailto:u@example.com?subject=unsubscribe%20T>, <https://hub.example.com/unsubscribe/T>')).toEqual({
      'List-Unsubscribe': { prepared: true, value: '<mailto:u@example.com?subject=unsubscribe%20T>,\r\n <https://hub.example.com/unsubscribe/T>' },
    });
    expect(headersOf('<https://a.example/u>,<mailto:u@a.example>')).toEqual({ 'List-Unsubscribe': { prepared: true, value: '<https://a.example/u>,\r\n <mailto:u@a.example>' } });
    for (const value of ['https://hub.example.com/unsubscribe/T', '<https://hub.example.com/désinscription>', '<https://a.example/u> (comment)', `<https://a.example/${'x'.repeat(990)}>`]) {
      expect(headersOf(value)).toEqual({ 'List-Unsubscribe': value });
    }
  });

  it('takes the settings From when the message has none', () => {
    const composed = composeSmtpMail({ ...message, from: { email: '' } }, { from: { email: 'relay-user@corp.example' } });
    expect(composed).toMatchObject({ ok: true, messageIdHeader: '<k3J9aQ2xZp@corp.example>', mail: { from: { name: '', address: 'relay-user@corp.example' } } });
  });

  it.each([
    ['a recipient list smuggled in "to"', { to: 'a@example.fr, b@example.fr' }, 'is not a valid email address'],
    ['a recipient with a display name', { to: 'Camille <camille@example.fr>' }, 'is not a valid email address'],
    ['no From anywhere', { from: { email: '' } }, 'has no From address'],
    ['an invalid From', { from: { email: 'news' } }, 'From "news"'],
    ['an invalid Reply-To', { replyTo: 'nobody' }, 'Reply-To'],
    ['a message id that is not alphanumeric', { messageId: 'k3J9/aQ2' }, 'message id'],
    ['a header that replaces the From', { headers: { from: 'x@evil.example' } }, 'is set by the SMTP provider'],
    ['a header that replaces the Message-ID', { headers: { 'Message-ID': '<x@y>' } }, 'is set by the SMTP provider'],
    ['a header name with a colon', { headers: { 'X-A:B': 'x' } }, 'not a header field name'],
    ['a header value with a line break', { headers: { 'X-Campaign': 'a\r\nBcc: victim@example.fr' } }, 'line break'],
  ])('refuses %s', (_name, change, reason) => {
    const composed = composeSmtpMail({ ...message, ...change } as OutboundEmail, {});
    expect(composed.ok).toBe(false);
    expect(composed.ok === false && composed.reason).toContain(reason);
  });
});

describe('Message-ID', () => {
  it('round-trips the hub message id', () => {
    expect(messageIdFromHeader(messageIdHeader('k3J9aQ2xZp', 'mail.example'))).toBe('k3J9aQ2xZp');
    expect(messageIdFromHeader(' <k3J9aQ2xZp@mail.example> ')).toBe('k3J9aQ2xZp');
    expect(messageIdFromHeader('<CAF=x+y@mail.gmail.com>')).toBeUndefined();
  });
});

describe('SMTP outcomes', () => {
  const failure = (fields: Partial<SmtpFailure>): SmtpFailure => ({ message: 'failed', ...fields });

  it.each<[string, SmtpFailure, object]>([
    [
      '550 at RCPT TO',
      failure({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <x@example.fr>: Recipient address rejected', command: 'RCPT TO' }),
      { kind: 'rejected', code: '550', reason: 'refused by the SMTP server at RCPT TO: 550 5.1.1 <x@example.fr>: Recipient address rejected' },
    ],
    ['553 at RCPT TO', failure({ code: 'EENVELOPE', responseCode: 553, response: '553 5.1.3 Bad address', command: 'RCPT TO' }), { kind: 'rejected', code: '553' }],
    ['554 after DATA (content refused)', failure({ code: 'EMESSAGE', responseCode: 554, response: '554 5.7.1 Spam', command: 'DATA' }), { kind: 'rejected', code: '554' }],
    ['552 size at MAIL FROM', failure({ code: 'EENVELOPE', responseCode: 552, response: '552 5.3.4 Too big', command: 'MAIL FROM' }), { kind: 'rejected', code: '552' }],
    [
      'the recipient reply only in rejectedErrors',
      failure({ code: 'EENVELOPE', rejectedErrors: [failure({ responseCode: 550, response: '550 No such user' })] }),
      { kind: 'rejected', code: '550', reason: 'refused by the SMTP server: 550 No such user' },
    ],
    ['451 greylisting', failure({ code: 'EENVELOPE', responseCode: 451, response: '451 4.7.1 Greylisted', command: 'RCPT TO' }), { kind: 'retry', reason: 'SMTP server answered at RCPT TO: 451 4.7.1 Greylisted' }],
    ['421 service closing', failure({ code: 'ECONNECTION', responseCode: 421, response: '421 4.3.2 Shutting down', command: 'CONN' }), { kind: 'retry' }],
    ['452 too many recipients', failure({ responseCode: 452, response: '452 4.5.3 Slow down' }), { kind: 'retry' }],
    ['503 bad sequence (the session, not the message)', failure({ responseCode: 503, response: '503 5.5.1 Bad sequence' }), { kind: 'retry' }],
    ['connection refused', failure({ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:2525' }), { kind: 'retry', reason: 'SMTP ESOCKET: connect ECONNREFUSED 127.0.0.1:2525' }],
    ['a timeout', failure({ code: 'ETIMEDOUT', message: 'Greeting never received' }), { kind: 'retry' }],
    ['DNS', failure({ code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.example' }), { kind: 'retry' }],
    ['the pool closed under the message', failure({ message: 'Connection pool was closed' }), { kind: 'retry' }],
    ['535 bad credentials (the settings, not the message)', failure({ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed', command: 'AUTH PLAIN' }), { kind: 'retry', afterMs: 300_000 }],
    ['STARTTLS refused', failure({ code: 'ETLS', message: 'Server does not support STARTTLS' }), { kind: 'retry', afterMs: 300_000 }],
    ['an envelope nodemailer refuses before sending', failure({ code: 'EENVELOPE', message: 'No recipients defined' }), { kind: 'rejected' }],
    ['a message over the SIZE the server announced', failure({ code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 1000' }), { kind: 'rejected', code: '552' }],
    ['a stream error while sending', failure({ code: 'ESTREAM', command: 'API', message: 'read error' }), { kind: 'retry' }],
  ])('%s', (_name, input, expected) => {
    expect(smtpFailureOutcome(input)).toMatchObject(expected);
  });

  it('keeps reasons on one line and bounded', () => {
    const outcome = smtpFailureOutcome(failure({ responseCode: 550, response: `550-5.7.1 first\r\n550 5.7.1 ${'x'.repeat(2000)}` }));
    expect(outcome).toMatchObject({ kind: 'rejected', code: '550' });
    expect(outcome.kind === 'rejected' && outcome.reason).not.toMatch(/[\r\n]/);
    expect(outcome.kind === 'rejected' && outcome.reason.length).toBeLessThan(600);
  });

  it('maps a 250 to submitted with the Message-ID, and an empty accepted list to rejected', () => {
    expect(smtpSentOutcome({ accepted: ['camille@example.fr'], rejected: [], response: '250 2.0.0 Ok: queued as 4F2' }, '<k3J9aQ2xZp@mail.example>')).toEqual({
      kind: 'submitted',
      providerMessageIds: ['<k3J9aQ2xZp@mail.example>'],
    });
    expect(smtpSentOutcome({ accepted: [], rejected: ['camille@example.fr'], response: '550 5.1.1 Unknown' }, '<k@m>')).toEqual({
      kind: 'rejected',
      reason: 'refused by the SMTP server: 550 5.1.1 Unknown',
      code: '550',
    });
  });
});

describe('SMTP settings', () => {
  it('fills defaults: STARTTLS on 587, 5 connections', () => {
    const config = resolveSmtpConfig(SmtpSettingsSchema.parse({ host: 'smtp.example.com' }), undefined);
    expect(config).toMatchObject({ host: 'smtp.example.com', port: 587, security: 'starttls', poolSize: 5, auth: undefined, dkim: undefined });
    expect(resolveSmtpConfig(SmtpSettingsSchema.parse({ host: 'smtp.example.com', security: 'tls' }), undefined).port).toBe(465);
  });

  it('joins the user with the sealed password, and refuses a user without one', () => {
    const settings = SmtpSettingsSchema.parse({ host: '127.0.0.1', port: 2525, user: 'hub' });
    expect(resolveSmtpConfig(settings, SmtpSecretsSchema.parse({ password: 's3cret' })).auth).toEqual({ user: 'hub', password: 's3cret' });
    expect(() => resolveSmtpConfig(settings, undefined)).toThrow(SmtpConfigError);
    expect(() => resolveSmtpConfig(SmtpSettingsSchema.parse({ host: 'h.example', dkim: { domainName: 'example.com', keySelector: 's1' } }), {})).toThrow('dkimPrivateKey');
  });

  it.each([
    ['a host with a space', { host: 'smtp example.com' }],
    ['a URL as host', { host: 'smtp://smtp.example.com' }],
    ['a password in the settings', { host: 'smtp.example.com', password: 'x' }],
    ['an unknown security mode', { host: 'smtp.example.com', security: 'ssl' }],
    ['a CA that is not a certificate', { host: 'smtp.example.com', caCertificate: 'not a cert' }],
    ['a pool of 0', { host: 'smtp.example.com', poolSize: 0 }],
  ])('refuses %s', (_name, input) => {
    expect(SmtpSettingsSchema.safeParse(input).success).toBe(false);
  });

  it('accepts IPv4 and IPv6 hosts, and refuses a DKIM key that is not a private key', () => {
    expect(SmtpSettingsSchema.safeParse({ host: '::1' }).success).toBe(true);
    expect(SmtpSettingsSchema.safeParse({ host: '10.0.0.25' }).success).toBe(true);
    expect(SmtpSecretsSchema.safeParse({ dkimPrivateKey: 'nope' }).success).toBe(false);
  });
});
