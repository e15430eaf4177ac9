/**
 * The scenario library: the templates the hub ships, and the registry other parts add theirs to.
 * Connectors whose system brings its own loops (appointment reminders from a calendar, billing
 * reminders from a CRM) register templates at composition with `templates.add(…)`, as they register
 * their actions; the API lists them with the built-in ones.
 */
import { abandonedCartTemplate } from './abandoned-cart.ts';
import { birthdayTemplate } from './birthday.ts';
import { categoryRelanceTemplate } from './category-relance.ts';
import { loyaltyCardTemplate, loyaltyPointsTemplate } from './loyalty-card.ts';
import { merchantNewOrderTemplate, merchantStockTemplate } from './merchant-alerts.ts';
import { orderStatusTemplate } from './order-status.ts';
import { satisfactionSurveyTemplate } from './satisfaction-survey.ts';
import type { ScenarioTemplate } from './template.ts';
import { winBackTemplate } from './win-back.ts';

export type { ScenarioTemplate, TemplateNeeds, BuiltScenario } from './template.ts';
export { defineTemplate, fillParams } from './template.ts';

export const BUILT_IN_TEMPLATES: readonly ScenarioTemplate[] = [
  birthdayTemplate,
  loyaltyCardTemplate,
  loyaltyPointsTemplate,
  abandonedCartTemplate,
  categoryRelanceTemplate,
  satisfactionSurveyTemplate,
  orderStatusTemplate,
  winBackTemplate,
  merchantNewOrderTemplate,
  merchantStockTemplate,
] as unknown as readonly ScenarioTemplate[];

export class ScenarioTemplates {
  readonly #byId = new Map<string, ScenarioTemplate>();

  constructor(templates: readonly ScenarioTemplate[] = BUILT_IN_TEMPLATES) {
    for (const template of templates) this.add(template);
  }

  /** Adds a template (a connector's); ids are unique across the hub. */
  add(template: ScenarioTemplate): void {
    if (!/^[a-z][a-z0-9-]{1,62}$/.test(template.id)) throw new Error(`scenario template id "${template.id}": lower-case letters, digits and "-"`);
    if (this.#byId.has(template.id)) throw new Error(`scenario template "${template.id}" is registered twice`);
    this.#byId.set(template.id, template);
  }

  get(id: string): ScenarioTemplate | undefined {
    return this.#byId.get(id);
  }

  list(): ScenarioTemplate[] {
    return [...this.#byId.values()];
  }

  /** Templates whose events an event source produces (what installing a shop suggests): every event they react to but the hub's own. */
  fitting(produced: readonly string[]): ScenarioTemplate[] {
    const hubs = new Set(['contact.unsubscribed', 'sms.received', 'cart.abandoned', 'survey.answered']);
    return this.list().filter((template) => template.needs.events.length > 0 && template.needs.events.every((type) => produced.includes(type) || hubs.has(type)));
  }
}
