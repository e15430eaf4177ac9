/**
 * The billing reminders template at virtual times (the automation's simulator runs the live interpreter): before
 * and after the due date in the allowed hours, a moved due date, a payment, an invoice seen late.
 */
import { describe, expect, it } from 'vitest';
import { simulate, SimulationInputSchema, type SimulationInputBody } from '../../src/automation/simulate.ts';
import { validateScenario } from '../../src/automation/validate.ts';
import { DEFAULT_SENDING_SETTINGS } from '../../src/sending/settings.ts';
import { billingRemindersTemplate } from './billing-template.ts';
// The connector registers invoice.due and invoice.paid in the catalog.
import './index.ts';

const invoice = (dueDate: string) => ({ invoice: { id: 'a015e00000Inv01AAA', sobject: 'Invoice__c', number: 'F-2026-0412', dueDate, amount: 480, currency: 'EUR' }, org: { installationId: 'ins_1', organizationId: '00D5e000000KQ2eEAG' } });
const camille = { phone: '+33612345678', firstName: 'Camille' };

async function run(params: Record<string, unknown>, input: SimulationInputBody) {
  const built = billingRemindersTemplate.build(billingRemindersTemplate.parameters.parse(params));
  const validation = validateScenario(built.definition, { connectorAction: () => false, connectorActionInput: () => undefined });
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  return simulate(validation.definition, SimulationInputSchema.parse(input), { tenantId: 'ten_sim', scenarioId: 'scn_sim', settings: DEFAULT_SENDING_SETTINGS, now: new Date('2026-12-01T09:00:00.000Z') });
}

const sent = (result: Awaited<ReturnType<typeof run>>) => result.messages.map((message) => [message.sendAt, message.text.split(',')[1]?.trim().split(' ').slice(0, 4).join(' ')]);

describe('billing reminders template', () => {
  it('3 days before at 10:00 (Paris) and 3 days after when unpaid', async () => {
    const result = await run({}, { contact: camille, start: '2026-12-01T09:00:00.000Z', events: [{ type: 'invoice.due', data: invoice('2026-12-15') }] });
    expect(sent(result)).toEqual([
      ['2026-12-12T09:00:00.000Z', 'votre facture F-2026-0412 de'],
      ['2026-12-18T09:00:00.000Z', 'sauf erreur de notre'],
    ]);
    expect(result.messages[0]!.text).toBe('Camille, votre facture F-2026-0412 de 480 EUR arrive à échéance le 2026-12-15. Merci de votre règlement.');
  });

  it('paid before the due date: the first reminder only; paid at once: none', async () => {
    const paid = { type: 'invoice.paid', at: '2026-12-14T08:00:00.000Z', data: invoice('2026-12-15') };
    const result = await run({}, { contact: camille, start: '2026-12-01T09:00:00.000Z', events: [{ type: 'invoice.due', data: invoice('2026-12-15') }, paid] });
    expect(sent(result).map(([at]) => at)).toEqual(['2026-12-12T09:00:00.000Z']);
    const early = await run({}, { contact: camille, start: '2026-12-01T09:00:00.000Z', events: [{ type: 'invoice.due', data: invoice('2026-12-15') }, { ...paid, at: '2026-12-02T08:00:00.000Z' }] });
    expect(early.messages).toEqual([]);
  });

  it('a due date moved: reminders for the new date only', async () => {
    const moved = { type: 'invoice.due', at: '2026-12-05T10:00:00.000Z', data: invoice('2026-12-22') };
    const result = await run({}, { contact: camille, start: '2026-12-01T09:00:00.000Z', events: [{ type: 'invoice.due', data: invoice('2026-12-15') }, moved] });
    // 25 December is a public holiday (French rule): the overdue reminder waits for the 26th's allowed hours, 08:00 Paris.
    expect(sent(result).map(([at]) => at)).toEqual(['2026-12-19T09:00:00.000Z', '2026-12-26T07:00:00.000Z']);
    expect(result.runs.map((one) => one.status)).toEqual(['exited', 'completed']);
  });

  it('an invoice seen after its first reminder\'s moment: reminded at once in the allowed hours; past the overdue moment: nothing more', async () => {
    const late = await run({}, { contact: camille, start: '2026-12-14T06:00:00.000Z', events: [{ type: 'invoice.due', at: '2026-12-14T06:00:00.000Z', data: invoice('2026-12-15') }] });
    // 07:00 Paris is before the allowed hours (08:00 by default): the reminder waits for them.
    expect(sent(late).map(([at]) => at)).toEqual(['2026-12-14T07:00:00.000Z', '2026-12-18T09:00:00.000Z']);
    const overdue = await run({}, { contact: camille, start: '2026-12-20T09:00:00.000Z', events: [{ type: 'invoice.due', at: '2026-12-20T09:00:00.000Z', data: invoice('2026-12-15') }] });
    // Seen on Sunday 20 December (quiet): the first reminder on Monday at 08:00 Paris; the overdue moment (the 18th) is past.
    expect(sent(overdue).map(([at]) => at)).toEqual(['2026-12-21T07:00:00.000Z']);
  });
});
