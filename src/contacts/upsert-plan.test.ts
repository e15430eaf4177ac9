import { describe, expect, it } from 'vitest';
import { choosePrimary, planUpsert, type IdentifierMatch } from './upsert-plan.ts';

const ext = (source: string, value: string, contactId?: string): IdentifierMatch => ({ kind: 'externalId', source, value, contactId });
const phone = (contactId?: string): IdentifierMatch => ({ kind: 'phone', value: '+33612345678', contactId });
const email = (contactId?: string): IdentifierMatch => ({ kind: 'email', value: 'a@b.fr', contactId });

describe('choosePrimary: external id, then phone, then email', () => {
  it.each([
    ['nothing matches', [ext('woocommerce', '1'), phone(), email()], undefined],
    ['only email matches', [phone(), email('con_E')], 'email'],
    ['phone beats email', [email('con_E'), phone('con_P')], 'phone'],
    ['external id beats phone and email', [phone('con_P'), email('con_E'), ext('woocommerce', '1', 'con_X')], 'externalId'],
  ] as const)('%s', (_name, matches, kind) => {
    expect(choosePrimary(matches)?.kind).toBe(kind);
  });
});

describe('planUpsert', () => {
  it('creates with every identifier when nothing matches', () => {
    expect(planUpsert([ext('woocommerce', '1'), phone(), email()], undefined)).toEqual({
      contactId: undefined,
      matchedBy: undefined,
      setPhone: true,
      setEmail: true,
      linkExternalIds: [{ source: 'woocommerce', value: '1' }],
      conflicts: [],
    });
  });

  it('adds the identifiers nobody holds to the matched contact', () => {
    expect(planUpsert([ext('woocommerce', '1'), phone('con_A'), email()], { id: 'con_A', externalIds: {} })).toEqual({
      contactId: 'con_A',
      matchedBy: 'phone',
      setPhone: false,
      setEmail: true,
      linkExternalIds: [{ source: 'woocommerce', value: '1' }],
      conflicts: [],
    });
  });

  it('keeps the first match and reports identifiers held by another contact', () => {
    const plan = planUpsert([ext('woocommerce', '1', 'con_A'), phone('con_B'), email('con_C')], { id: 'con_A', externalIds: { woocommerce: '1' } });
    expect(plan).toMatchObject({ contactId: 'con_A', matchedBy: 'externalId', setPhone: false, setEmail: false, linkExternalIds: [] });
    expect(plan.conflicts).toEqual([
      { field: 'phone', value: '+33612345678', reason: 'held-by-other-contact', contactId: 'con_B' },
      { field: 'email', value: 'a@b.fr', reason: 'held-by-other-contact', contactId: 'con_C' },
    ]);
  });

  it('does not relink a contact that already has another id in the same system', () => {
    const plan = planUpsert([ext('woocommerce', '2'), phone('con_A')], { id: 'con_A', externalIds: { woocommerce: '1', salesforce: '003' } });
    expect(plan.linkExternalIds).toEqual([]);
    expect(plan.conflicts).toEqual([{ field: 'externalIds.woocommerce', value: '2', reason: 'contact-has-other-id', contactId: 'con_A', existingValue: '1' }]);
  });

  it('links an id of another system next to existing ones', () => {
    const plan = planUpsert([ext('salesforce', '003'), email('con_A')], { id: 'con_A', externalIds: { woocommerce: '1' } });
    expect(plan).toMatchObject({ matchedBy: 'email', linkExternalIds: [{ source: 'salesforce', value: '003' }], conflicts: [] });
  });
});
