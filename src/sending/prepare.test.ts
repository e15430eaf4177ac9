import { describe, expect, it } from 'vitest';
import type { Contact } from '../contacts/contacts.ts';
import type { Recipient } from './recipients.ts';
import { prepareEmail, prepareSms, type Draft } from './prepare.ts';
import { SendingSettingsSchema } from './settings.ts';
import type { EmailItem, SmsItem } from './requests.ts';

const settings = SendingSettingsSchema.parse({});
const contact = (overrides: Partial<Contact> = {}): Contact => ({
  id: 'con_1',
  phone: '+33612345678',
  email: 'camille@example.fr',
  firstName: 'Camille',
  lastName: null,
  locale: 'fr-FR',
  timeZone: 'Europe/Paris',
  attributes: {},
  externalIds: {},
  source: 'api',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...overrides,
});
const recipient = (overrides: Partial<Recipient> = {}): Recipient => ({ contact: contact(), address: '+33612345678', mobile: true, consent: 'granted', optedOut: false, ...overrides });

// 2027-03-07 is a Sunday; 2027-03-08 a Monday; 2027-07-14 the Fête nationale (a Wednesday).
const at = (iso: string) => new Date(iso);

function sms(item: Partial<SmsItem>, options: { recipient?: Recipient; now?: Date; plannedAt?: Date; maxSegments?: number } = {}) {
  const now = options.now ?? at('2027-03-08T10:00:00Z');
  return prepareSms({
    id: 'MSG0000001',
    linkBase: 'https://hub.example',
    item: { category: 'marketing', text: 'Bonjour {{ contact.firstName }}, -20% ce week-end', ...item } as SmsItem,
    recipient: options.recipient ?? recipient(),
    event: undefined,
    settings: options.maxSegments === undefined ? settings : { ...settings, maxSegments: options.maxSegments },
    now,
    plannedAt: options.plannedAt ?? now,
    plannedReason: null,
  });
}

const draftOf = (prepared: ReturnType<typeof sms>): Draft => {
  if (!prepared.ok) throw new Error(JSON.stringify(prepared.issues));
  return prepared.draft;
};

describe('preparing an SMS', () => {
  it('renders, appends the STOP mention to marketing once, and encodes', () => {
    const draft = draftOf(sms({}));
    expect(draft).toMatchObject({ status: 'accepted', text: 'Bonjour Camille, -20% ce week-end\nSTOP au 36173', encoding: 'GSM-7', segments: 1, mentionAppended: true, contactId: 'con_1' });
    expect(draftOf(sms({ text: 'Promo -20% STOP au 36173' })).text).toBe('Promo -20% STOP au 36173');
    expect(draftOf(sms({ text: 'Promo -20%\nstop au 36173.' })).mentionAppended).toBe(false);
  });

  it('leaves transactional messages without the mention, and exempt from consent, opt-out and quiet hours', () => {
    const draft = draftOf(
      sms({ category: 'transactional', text: 'Votre colis arrive' }, { recipient: recipient({ consent: 'withdrawn', optedOut: true }), now: at('2027-03-07T22:00:00Z') }),
    );
    expect(draft).toMatchObject({ status: 'accepted', text: 'Votre colis arrive', mentionAppended: false, scheduleReason: null });
  });

  it.each([
    ['opted out wins over consent', recipient({ optedOut: true }), 'opted_out'],
    ['no consent recorded', recipient({ consent: 'unknown' }), 'no_consent'],
    ['consent withdrawn', recipient({ consent: 'withdrawn' }), 'no_consent'],
    ['a landline', recipient({ address: '+33140000000', mobile: false }), 'invalid_number'],
    ['a contact without phone', recipient({ address: undefined, mobile: false }), 'invalid_number'],
  ])('blocks marketing: %s', (_name, who, reason) => {
    expect(draftOf(sms({}, { recipient: who }))).toMatchObject({ status: 'blocked', blockReason: reason });
  });

  it.each([
    ['Sunday in Paris → Monday 08:00', 'Europe/Paris', '2027-03-07T10:00:00Z', '2027-03-08T07:00:00.000Z'],
    ['Monday 21:00 in Paris → Tuesday 08:00', 'Europe/Paris', '2027-03-08T20:00:00Z', '2027-03-09T07:00:00.000Z'],
    ['Fête nationale → the next day 08:00', 'Europe/Paris', '2027-07-14T08:00:00Z', '2027-07-15T06:00:00.000Z'],
    ['05:00 in Martinique while it is 10:00 in Paris → 08:00 Martinique', 'America/Martinique', '2027-03-08T09:00:00Z', '2027-03-08T12:00:00.000Z'],
  ])('defers marketing in quiet hours, in the contact\'s time zone: %s', (_name, timeZone, now, expected) => {
    const draft = draftOf(sms({}, { recipient: recipient({ contact: contact({ timeZone }) }), now: at(now) }));
    expect(draft).toMatchObject({ status: 'scheduled', scheduleReason: 'quiet_hours' });
    expect(draft.runAt.toISOString()).toBe(expected);
  });

  it('judges quiet hours at the planned instant (sendAt or stagger slot), not at acceptance', () => {
    const draft = draftOf(sms({}, { now: at('2027-03-08T10:00:00Z'), plannedAt: at('2027-03-08T19:30:00Z') }));
    expect(draft.runAt.toISOString()).toBe('2027-03-09T07:00:00.000Z');
  });

  it.each([
    ['unknown variable', { text: 'Bonjour {{ contact.fistName }}' }, 'text', /unknown variable "contact\.fistName"/],
    ['missing value', { text: 'Bonjour {{ contact.lastName }}' }, 'text', /"contact\.lastName" has no value/],
    ['rendered empty', { text: '{{ contact.lastName | default: " " }}' }, 'text', /rendered text is empty/],
    ['too many segments', { text: 'x'.repeat(1000) }, 'text', /needs 7 SMS segments .* at most 6/],
  ])('refuses bad input: %s', (_name, item, path, message) => {
    const prepared = sms(item);
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.issues[0]).toMatchObject({ path });
    expect(prepared.issues[0]!.message).toMatch(message);
  });

  it('names the characters forcing UCS-2 when the text is too long', () => {
    const prepared = sms({ text: `L’été ${'a'.repeat(70)}` }, { maxSegments: 1 });
    expect(prepared.ok).toBe(false);
    if (!prepared.ok) expect(prepared.issues[0]!.message).toMatch(/"’" "é"|"’"/);
  });
});

describe('preparing an email', () => {
  const email = (item: Partial<EmailItem> = {}) =>
    prepareEmail({
      id: 'MSG0000002',
      linkBase: 'https://hub.example',
      item: { category: 'marketing', subject: 'Nouveautés pour {{ contact.firstName }}', text: 'Bonjour {{ contact.firstName }}', html: '<p>Bonjour {{ contact.firstName }}</p>', from: { email: 'news@shop.fr' }, ...item } as EmailItem,
      recipient: recipient({ address: 'camille@example.fr' }),
      event: undefined,
      settings,
      now: at('2027-03-07T22:00:00Z'),
      plannedAt: at('2027-03-07T22:00:00Z'),
      plannedReason: null,
      unsubscribe: { url: 'https://hub.example/unsubscribe/MSG0000002/tok', token: 'tok' },
    });

  it('adds RFC 8058 one-click headers and an unsubscribe link to marketing, and has no quiet hours', () => {
    const prepared = email();
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.issues));
    expect(prepared.draft.status).toBe('accepted');
    expect(prepared.draft.email!.headers).toEqual({ 'List-Unsubscribe': '<https://hub.example/unsubscribe/MSG0000002/tok>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    expect(prepared.draft.email!.subject).toBe('Nouveautés pour Camille');
    expect(prepared.draft.text).toContain('Se désinscrire : https://hub.example/unsubscribe/MSG0000002/tok');
    expect(prepared.draft.email!.html).toContain('<a href="https://hub.example/unsubscribe/MSG0000002/tok">');
  });

  it('does not add a second link when the template placed {{ message.unsubscribeUrl }}', () => {
    const prepared = email({ text: 'Bonjour. Désinscription : {{ message.unsubscribeUrl }}' });
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.issues));
    expect(prepared.draft.text.match(/unsubscribe\/MSG0000002/g)).toHaveLength(1);
  });

  it('needs a sender', () => {
    const prepared = email({ from: undefined });
    expect(prepared.ok).toBe(false);
    if (!prepared.ok) expect(prepared.issues[0]).toMatchObject({ path: 'from' });
  });
});
