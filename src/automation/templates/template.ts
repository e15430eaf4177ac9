/**
 * A scenario template: a named, documented scenario a tenant instantiates with parameters. Each
 * template declares what it needs from the tenant's systems (the events and the data in them), its
 * parameters as a zod object whose defaults are the French texts, delays and codes of the seeds, and
 * `build`, a pure function from parameters to the scenario's definition. The definition is then
 * checked by the scenario validation like any other (instantiate.ts), so a template can never hand
 * out a scenario the API would refuse.
 *
 * Texts are message templates rendered at send time (`{{ contact.firstName }}`, `{{ event.data.… }}`);
 * `{{ params.couponCode }}` is filled in once, when the template is instantiated (fillParams).
 */
import { z } from 'zod';
import { DurationSchema } from '../duration.ts';
import type { ScenarioDefinitionInput } from '../scenario.ts';

export interface TemplateNeeds {
  /** Event types the scenario reacts to; the tenant's shop, CRM or API must send them. */
  events: string[];
  /** Data the scenario reads, as field paths with what it is for. */
  data: { field: string; why: string }[];
}

export interface BuiltScenario {
  name: string;
  description: string;
  definition: ScenarioDefinitionInput;
}

export interface ScenarioTemplate<Params extends z.ZodObject = z.ZodObject> {
  /** Stable id, used in URLs: "birthday", "abandoned-cart". */
  id: string;
  name: string;
  description: string;
  needs: TemplateNeeds;
  parameters: Params;
  build(params: z.output<Params>): BuiltScenario;
}

export function defineTemplate<Params extends z.ZodObject>(template: ScenarioTemplate<Params>): ScenarioTemplate<Params> {
  return template;
}

/** `{{ params.name }}` in a text, filled at instantiation (spaces inside the braces as in message templates). */
const PARAM = /\{\{\s*params\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** The text with its `{{ params.… }}` replaced by the parameters' values; an unknown name is an error (a template bug, caught by the tests). */
export function fillParams(text: string, params: Record<string, unknown>): string {
  return text.replace(PARAM, (_whole, name: string) => {
    const value = params[name];
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`{{ params.${name} }}: no such text or number parameter`);
    return String(value);
  });
}

/** A message text parameter: a template, at most 1,000 characters (an SMS beyond a few segments is a mistake). */
export const TextParam = (fallback: string, what: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `${what} is empty` })
    .max(1_000)
    .default(fallback)
    .describe(`${what}. Message template: {{ contact.firstName }}, {{ event.data.… }}; {{ params.… }} is filled in when the template is instantiated.`);

export const DelayParam = (fallback: string, what: string) => DurationSchema.default(fallback).describe(`${what} ("7d", "24h", "1d12h").`);

export const CouponParam = (fallback: string, what: string) =>
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'a coupon code: 1 to 40 letters, digits, "-" or "_", e.g. "ANNIV20"' })
    .default(fallback)
    .describe(`${what}: create it in your shop first.`);

export const LocalTimeParam = (fallback: string, what: string) =>
  z
    .string()
    .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, { error: 'a local time "HH:mm", e.g. "10:00"' })
    .default(fallback)
    .describe(what);

export const PhoneParam = (what: string) => z.string().trim().min(1).max(64).optional().describe(what);

/** A coupon code as shops report it: WooCommerce stores codes in lower case, the customer may type either. */
export const codeVariants = (code: string): string[] => [...new Set([code, code.toUpperCase(), code.toLowerCase()])];

export const unsubscribedExit = { event: 'contact.unsubscribed' } as const;
