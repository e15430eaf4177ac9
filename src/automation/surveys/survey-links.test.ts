/** Survey links: deterministic per send, unguessable, and any change to what they bind (tenant, message, expiry, a character) fails. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSurveyLinks, type SurveyBinding } from './survey-links.ts';
import { renderSurveyPage, surveyLanguage } from './survey-page.ts';

const links = createSurveyLinks(randomBytes(32), 'https://hub.example.fr/');
const tenantId = 'ten_aaaaaaaaaaaaaaaaaaaa';
const messageKey = 'run_1|sms-question|0';
const binding: SurveyBinding = { tenantId, id: links.idFor(tenantId, messageKey), messageKey, expiresAt: new Date('2026-03-07T09:00:00.000Z') };
const signatureOf = (url: string) => links.parse(url.split('/s/')[1]!)!.signature;

describe('survey links', () => {
  it('one id per tenant and send, the same on a retry; short enough for an SMS', () => {
    expect(links.idFor(tenantId, messageKey)).toBe(binding.id);
    expect(binding.id).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(links.idFor('ten_other', messageKey)).not.toBe(binding.id);
    expect(links.idFor(tenantId, 'run_1|sms-question|1')).not.toBe(binding.id);
    const url = links.url(binding);
    expect(url).toMatch(/^https:\/\/hub\.example\.fr\/s\/[0-9A-Za-z]{12}\.[\w-]{22}$/);
    expect(links.verify(binding, signatureOf(url))).toBe(true);
    // Another hub secret signs differently.
    expect(createSurveyLinks(randomBytes(32), 'https://hub.example.fr').idFor(tenantId, messageKey)).not.toBe(binding.id);
  });

  it('refuses a signature for another tenant, message or expiry, an altered character, a non-canonical spelling', () => {
    const signature = signatureOf(links.url(binding));
    expect(links.verify({ ...binding, tenantId: 'ten_bbbbbbbbbbbbbbbbbbbb' }, signature)).toBe(false);
    expect(links.verify({ ...binding, messageKey: 'run_2|sms-question|0' }, signature)).toBe(false);
    expect(links.verify({ ...binding, expiresAt: new Date('2026-03-08T09:00:00.000Z') }, signature)).toBe(false);
    for (let index = 0; index < signature.length; index++) {
      const altered = signature.slice(0, index) + (signature[index] === 'A' ? 'B' : 'A') + signature.slice(index + 1);
      expect(links.verify(binding, altered), `character ${index}`).toBe(false);
    }
    expect(links.parse(`${binding.id}.${signature}x`)).toBeUndefined();
    expect(links.parse(`${binding.id}`)).toBeUndefined();
    expect(links.parse('../../etc.passwd')).toBeUndefined();
  });
});

describe('the survey page', () => {
  it('speaks the contact\'s language, else the browser\'s, French by default', () => {
    expect(surveyLanguage('en-GB', 'fr')).toBe('en');
    expect(surveyLanguage(null, 'en-US,en;q=0.9')).toBe('en');
    expect(surveyLanguage(null, undefined)).toBe('fr');
    expect(surveyLanguage('fr', 'en')).toBe('fr');
  });

  it('asks one question with five labelled choices in a fieldset, and escapes what it echoes', () => {
    const page = renderSurveyPage({ kind: 'question', token: 'abc"<x>' }, 'fr');
    expect(page).toContain('<html lang="fr">');
    expect(page).toMatch(/<fieldset><legend><h1>Êtes-vous satisfait\(e\) de votre commande \?<\/h1><\/legend>/);
    for (let score = 1; score <= 5; score++) expect(page).toContain(`<input type="radio" id="score-${score}" name="score" value="${score}" required><label for="score-${score}">${score} – `);
    expect(page).toContain('<label for="comment">');
    expect(page).toContain('action="abc&quot;&lt;x&gt;"');
    const english = renderSurveyPage({ kind: 'question', token: 't', error: true }, 'en');
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('role="alert"');
    expect(english).toContain('How satisfied are you with your order?');
  });
});
