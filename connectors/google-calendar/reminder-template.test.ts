/**
 * The reminder template at virtual times (the automation's simulator runs the same interpreter as
 * live runs): the day-before reminder in the allowed hours, OUI / NON, the owner's alert, the last
 * reminder, and an appointment moved or cancelled — never a reminder for an old time, never two.
 */
import { describe, expect, it } from 'vitest';
import { simulate, SimulationInputSchema, type SimulationInputBody } from '../../src/automation/simulate.ts';
import { validateScenario } from '../../src/automation/validate.ts';
import { DEFAULT_SENDING_SETTINGS } from '../../src/sending/settings.ts';
import { googleCalendar } from './index.ts';
import { appointmentRemindersTemplate } from './reminder-template.ts';
import { whenOf } from './times.ts';

const appointment = (start: string) => {
  const when = whenOf({ dateTime: start }, 'Europe/Paris')!;
  return {
    appointmentId: 'salon@x/evt1',
    eventId: 'evt1',
    calendar: { installationId: 'ins_1', id: 'salon@x', name: 'Salon', timeZone: 'Europe/Paris' },
    summary: 'coupe',
    location: null,
    allDay: false,
    timeZone: 'Europe/Paris',
    start: when,
    end: when,
  };
};
const claire = { phone: '+33612345678', firstName: 'Claire' };
const reply = (at: string, text: string) => ({ at, type: 'sms.received', data: { from: '+33612345678', to: '36173', text } });

async function run(params: Record<string, unknown>, input: SimulationInputBody) {
  const built = appointmentRemindersTemplate.build(appointmentRemindersTemplate.parameters.parse(params));
  const validation = validateScenario(built.definition, { connectorAction: (connector, action) => connector === 'google-calendar' && action in googleCalendar.actions, connectorActionInput: () => undefined });
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  return simulate(validation.definition, SimulationInputSchema.parse(input), { tenantId: 'ten_sim', scenarioId: 'scn_sim', settings: DEFAULT_SENDING_SETTINGS, now: new Date('2026-12-04T09:00:00.000Z') });
}

const sent = (result: Awaited<ReturnType<typeof run>>) => result.messages.map((message) => [message.sendAt, message.to, message.text.split(/[,:.]/)[0]]);
const marks = (result: Awaited<ReturnType<typeof run>>) => result.timeline.flatMap((entry) => (entry.kind === 'connector' ? [[entry.action, entry.input.answer, entry.input.appointmentId]] : []));

describe('appointment reminders template', () => {
  it('the day before at 18:00 (Paris), OUI marks the event confirmed, then 2 hours before', async () => {
    const result = await run({}, { contact: claire, start: '2026-12-04T09:00:00.000Z', events: [{ type: 'appointment.scheduled', data: appointment('2026-12-08T14:30:00+01:00') }, reply('2026-12-07T17:05:00.000Z', 'Oui merci')] });
    expect(sent(result)).toEqual([
      ['2026-12-07T17:00:00.000Z', '+33612345678', 'Claire'],
      ['2026-12-07T17:05:00.000Z', '+33612345678', 'Merci'],
      ['2026-12-08T11:30:00.000Z', '+33612345678', 'Claire'],
    ]);
    expect(result.messages[0]!.text).toContain('rappel de votre rendez-vous mardi 8 décembre à 14:30 (coupe). Répondez OUI pour confirmer, NON pour annuler.');
    expect(marks(result)).toEqual([['mark-appointment', 'confirmed', 'salon@x/evt1']]);
  });

  it('NON marks it declined, alerts the owner and ends: no last reminder', async () => {
    const result = await run({ ownerPhone: '+33698765432' }, { contact: claire, start: '2026-12-04T09:00:00.000Z', events: [{ type: 'appointment.scheduled', data: appointment('2026-12-08T14:30:00+01:00') }, reply('2026-12-07T18:00:00.000Z', 'non')] });
    expect(sent(result)).toEqual([
      ['2026-12-07T17:00:00.000Z', '+33612345678', 'Claire'],
      ['2026-12-07T18:00:00.000Z', '+33698765432', 'Claire  (+33612345678) annule son rendez-vous mardi 8 décembre à 14'],
      ['2026-12-07T18:00:00.000Z', '+33612345678', 'C\'est noté'],
    ]);
    expect(marks(result)).toEqual([['mark-appointment', 'declined', 'salon@x/evt1']]);
  });

  it('a moved appointment: reminders for the new time only; a cancelled one: none', async () => {
    const moved = { type: 'appointment.rescheduled', at: '2026-12-05T10:00:00.000Z', data: { ...appointment('2026-12-09T10:00:00+01:00'), previousStart: appointment('2026-12-08T14:30:00+01:00').start } };
    const result = await run({}, { contact: claire, start: '2026-12-04T09:00:00.000Z', events: [{ type: 'appointment.scheduled', data: appointment('2026-12-08T14:30:00+01:00') }, moved] });
    expect(sent(result).map(([at]) => at)).toEqual(['2026-12-08T17:00:00.000Z', '2026-12-09T07:00:00.000Z']);
    expect(result.messages[0]!.text).toContain('à 10:00');
    expect(result.runs.map((one) => one.status)).toEqual(['exited', 'completed']);

    const cancelled = { type: 'appointment.cancelled', at: '2026-12-05T10:00:00.000Z', data: { ...appointment('2026-12-08T14:30:00+01:00'), reason: 'deleted' } };
    const none = await run({}, { contact: claire, start: '2026-12-04T09:00:00.000Z', events: [{ type: 'appointment.scheduled', data: appointment('2026-12-08T14:30:00+01:00') }, cancelled] });
    expect(none.messages).toEqual([]);
  });

  it('the day before is a Sunday: the reminder waits for Monday\'s allowed hours, and the answer for the last reminder at most', async () => {
    const result = await run({}, { contact: claire, start: '2026-12-04T09:00:00.000Z', events: [{ type: 'appointment.scheduled', data: appointment('2026-12-07T14:30:00+01:00') }] });
    // Sunday 6 December is quiet (French rule): Monday 08:00 Paris; no answer: the 2-hour reminder at 12:30.
    expect(sent(result).map(([at]) => at)).toEqual(['2026-12-07T07:00:00.000Z', '2026-12-07T11:30:00.000Z']);
  });
});
