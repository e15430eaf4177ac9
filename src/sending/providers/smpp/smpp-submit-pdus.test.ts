import { describe, expect, it } from 'vitest';
import { analyzeSms } from '../../encoding/index.ts';
import type { OutboundSms } from '../provider.ts';
import { SmppSettingsSchema } from './smpp-settings.ts';
import { absoluteSmppTime, planSubmit, relativeSmppTime } from './smpp-submit-pdus.ts';

const settings = SmppSettingsSchema.parse({ host: 'smsc.example', systemId: 'hub' });
const now = new Date('2026-11-23T10:00:00Z');

function sms(text: string, extra: Partial<OutboundSms> = {}): OutboundSms {
  const analysis = analyzeSms(text);
  return { messageId: 'AbCdEf1234', tenantId: 'ten_1', from: 'MaBoutique', to: '+33612345678', text, encoding: analysis.encoding, segments: analysis.segmentCount, requestReceipt: true, ...extra };
}

describe('SMPP time fields (§7.1.1)', () => {
  it.each([
    [new Date('2031-05-06T07:08:09.000Z'), '310506070809000+'],
    [new Date('2026-12-31T23:59:59.950Z'), '261231235959900+'],
  ])('absolute %s → %s', (date, expected) => {
    expect(absoluteSmppTime(date)).toBe(expected);
  });

  it.each([
    [90, '000000013000000R'],
    [2 * 1440 + 5, '000002000500000R'],
  ])('relative %i min → %s', (minutes, expected) => {
    expect(relativeSmppTime(minutes)).toBe(expected);
  });
});

describe('planSubmit', () => {
  it('one GSM-7 part: data_coding 0, no UDH, receipt asked', () => {
    const plan = planSubmit(sms('Bonjour'), settings, 7, now);
    expect(plan).toEqual({
      ok: true,
      pdus: [
        {
          command: 'submit_sm',
          service_type: '',
          source_addr_ton: 5,
          source_addr_npi: 0,
          source_addr: 'MaBoutique',
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: '33612345678',
          esm_class: 0,
          validity_period: '',
          registered_delivery: 1,
          data_coding: 0,
          short_message: Buffer.from('Bonjour', 'latin1'),
        },
      ],
    });
  });

  it('a long UCS-2 message: data_coding 8, UDH with the given reference, UDHI on every part', () => {
    const plan = planSubmit(sms('Réduction de 20 % sur les crèmes 😀 '.repeat(3)), settings, 0xa5, now);
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.pdus).toHaveLength(2);
    expect(plan.pdus.map((pdu) => [pdu.data_coding, pdu.esm_class, pdu.short_message!.subarray(0, 6).toString('hex')])).toEqual([
      [8, 0x40, '050003a50201'],
      [8, 0x40, '050003a50202'],
    ]);
  });

  it('validity: the message\'s own end, else the provider\'s default; the default sender for an empty one', () => {
    const own = planSubmit(sms('A', { validUntil: new Date('2026-11-24T10:00:00Z') }), { ...settings, validityMinutes: 60 }, 1, now);
    const fallback = planSubmit(sms('A', { from: '' }), { ...settings, validityMinutes: 60, defaultSender: '36173' }, 1, now);
    expect(own.ok && own.pdus[0]!.validity_period).toBe('261124100000000+');
    expect(fallback.ok && fallback.pdus[0]).toMatchObject({ validity_period: '000000010000000R', source_addr: '36173', source_addr_ton: 3 });
  });

  it.each([
    ['an invalid recipient', sms('A', { to: '0612345678' }), /not an E.164 number/],
    ['an invalid sender', sms('A', { from: 'Nom beaucoup trop long' }), /sender/],
    ['a validity already over', sms('A', { validUntil: new Date('2026-11-23T09:00:00Z') }), /validity ended/],
    ['a coding that does not fit the text', sms('Hélène 😀', { encoding: 'GSM-7' }), /needs UCS-2 but the message was prepared as GSM-7/],
    ['an empty text', sms(''), /empty/],
  ])('refuses %s', (_, message, reason) => {
    expect(planSubmit(message, settings, 1, now)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });
});
