/**
 * What the shop connectors' end-to-end tests text customers with: the scenarios a shop's former
 * customer rules became (src/connectors/rules/move-rules.ts: the order status SMS on creation and on
 * each change, the cart reminder, with the shop-name texts), instantiated from the library through
 * the API and activated, as a merchant does after installing a shop.
 */
import { expect } from 'vitest';
import { scenariosForRules } from '../../src/connectors/rules/move-rules.ts';

/** The API as the tests call it, with the tenant's key. */
type Api = (path: string, init?: { method?: string; body?: unknown }) => Promise<{ status: number; body: any }>;

export async function activateShopScenarios(api: Api, rules: { orderStatusSms?: boolean; abandonedCart?: boolean } = { orderStatusSms: true, abandonedCart: true }): Promise<string[]> {
  const plans = scenariosForRules({ orderStatusSms: { enabled: rules.orderStatusSms ?? false }, abandonedCart: { enabled: rules.abandonedCart ?? false } }, { account: 'test' });
  const ids: string[] = [];
  for (const plan of plans) {
    const created = await api(`/v1/scenario-templates/${plan.templateId}/instantiate`, { body: { name: plan.name, parameters: plan.parameters } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api(`/v1/scenarios/${created.body.id}/activate`, { method: 'POST' })).body.status).toBe('active');
    ids.push(created.body.id as string);
  }
  return ids;
}
