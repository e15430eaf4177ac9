/**
 * The ready-to-use scenario of this connector: appointment reminders that follow the calendar.
 *
 * - A run per appointment (`appointmentId`), started by appointment.scheduled and, through the
 *   trigger's `also`, by appointment.rescheduled; appointment.rescheduled and appointment.cancelled
 *   end the appointment's running run first. So a moved appointment gets reminders for its new
 *   time only, a cancelled one none, and never two runs for one appointment.
 * - The day before at `dayBeforeAt` (the calendar's time zone, carried by the event's instant; the
 *   contact's zone for the time of day), inside the tenant's allowed hours (quiet hours), an SMS
 *   asks "Répondez OUI pour confirmer, NON pour annuler".
 * - OUI marks the event confirmed in Google Calendar (google-calendar.mark-appointment: colour,
 *   description line, private property; the sync then publishes appointment.confirmed) and thanks;
 *   NON marks it declined, alerts the owner by SMS and/or email when given, and answers the customer. Any
 *   other reply is left to the normal inbound path (STOP still opts out), and the run goes on. The
 *   answer is awaited `replyWindow` at most, and never past the last reminder's moment (waitFor `until`).
 * - `hoursBefore` the appointment, a last reminder, unless that moment is past.
 * - Optionally (`emailReminder`), the day-before reminder also by email to customers with an address (an
 *   invited attendee), with the appointment attached as rendez-vous.ics (src/sending/ics.ts): one click adds it
 *   to their calendar; the same uid per appointment, so a moved appointment's email updates the entry.
 * Reminders are transactional (the customer's own appointment): no marketing consent needed.
 */
import { z } from 'zod';
import { DelayParam, defineTemplate, fillParams, LocalTimeParam, PhoneParam, TextParam } from '../../src/automation/templates/template.ts';
import { durationMs } from '../../src/automation/duration.ts';
import type { ScenarioDefinitionInput } from '../../src/automation/scenario.ts';

const answer = (word: string) => ({ kind: 'field', field: 'lastEvent.data.text', op: 'startsWith', value: word }) as const;
const sameAppointment = { by: 'key', field: 'data.appointmentId', equals: 'event.data.appointmentId' } as const;

export const appointmentRemindersTemplate = defineTemplate({
  id: 'appointment-reminders',
  name: 'Rappels de rendez-vous (Google Agenda)',
  description: 'Un SMS la veille (avec confirmation OUI / NON écrite dans l\'agenda) et un rappel quelques heures avant ; déplacés quand le rendez-vous bouge, annulés quand il est annulé.',
  needs: {
    events: ['appointment.scheduled', 'appointment.rescheduled', 'appointment.cancelled', 'sms.received'],
    data: [
      { field: 'appointment.* data.appointmentId', why: 'one run per appointment; the action marking the answer' },
      { field: 'appointment.* data.start', why: 'when to remind, and the day and time in the texts' },
      { field: 'sms.received data.text', why: 'the OUI / NON answer' },
    ],
  },
  parameters: z
    .object({
      dayBeforeAt: LocalTimeParam('18:00', 'The day before the appointment, at this local time'),
      hoursBefore: DelayParam('2h', 'The last reminder, this long before the appointment; "0s": none'),
      replyWindow: DelayParam('12h', 'How long OUI / NON is awaited after the reminder'),
      reminderText: TextParam(
        '{{ contact.firstName | default: "Bonjour" }}, rappel de votre rendez-vous {{ event.data.start.day }} à {{ event.data.start.time | default: "" }} ({{ event.data.summary }}). Répondez OUI pour confirmer, NON pour annuler.',
        'The day-before reminder (ask for OUI / NON)',
      ),
      confirmedText: TextParam('Merci, votre rendez-vous {{ event.data.start.day }} est confirmé. À bientôt !', 'The answer to OUI'),
      declinedText: TextParam('C\'est noté, votre rendez-vous {{ event.data.start.day }} est annulé. N\'hésitez pas à nous rappeler pour en fixer un autre.', 'The answer to NON'),
      soonText: TextParam('{{ contact.firstName | default: "Bonjour" }}, à tout à l\'heure : votre rendez-vous est à {{ event.data.start.time | default: "" }}.', 'The last reminder'),
      ownerPhone: PhoneParam('Who is texted when a customer answers NON (the salon\'s mobile, +33…); none: nobody'),
      ownerEmail: z.email().optional().describe('Who is emailed when a customer answers NON (the salon\'s address); none: nobody'),
      emailReminder: z.boolean().default(false).describe('Also email the day-before reminder, with the appointment as an .ics file, to customers whose email the hub knows (invited attendees)'),
      emailFrom: z.email().optional().describe('The sender of the reminder email; none: the tenant\'s default sender (PUT /v1/sending/settings defaultSender.email)'),
      emailSubject: TextParam('Rappel : votre rendez-vous {{ event.data.start.day }} à {{ event.data.start.time | default: "" }}', 'The reminder email\'s subject'),
      emailText: TextParam(
        'Bonjour {{ contact.firstName | default: "" }},\n\nNous vous rappelons votre rendez-vous {{ event.data.start.day }} à {{ event.data.start.time | default: "" }} ({{ event.data.summary }}).\nLe fichier rendez-vous.ics joint l\'ajoute à votre agenda.\n\nPour confirmer ou annuler, répondez OUI ou NON au SMS reçu.',
        'The reminder email\'s text',
      ),
      ownerAlertText: TextParam('{{ contact.firstName | default: "" }} {{ contact.lastName | default: "" }} ({{ contact.phone }}) annule son rendez-vous {{ event.data.start.day }} à {{ event.data.start.time | default: "" }} : {{ event.data.summary }}.', 'The alert to the owner'),
    })
    .strict(),
  build(params) {
    const sms = (text: string, to?: string) => ({ kind: 'sendSms' as const, category: 'transactional' as const, text: fillParams(text, params), ...(to === undefined ? {} : { to }) });
    const mark = (value: 'confirmed' | 'declined', word: string) => ({
      kind: 'connector' as const,
      connector: 'google-calendar',
      action: 'mark-appointment',
      installation: '{{ event.data.calendar.installationId }}',
      input: { appointmentId: '{{ event.data.appointmentId }}', answer: value, replyText: word },
    });
    const lastReminder = params.hoursBefore !== '0s';
    const afterReply = lastReminder ? 'avant' : 'fin';
    const steps: ScenarioDefinitionInput['steps'] = [
      // Booked less than a day ahead: the day-before moment is past, the reminder goes at once (in the allowed hours).
      { id: 'veille', type: 'wait', wait: { kind: 'untilDate', field: 'event.data.start.at', offset: '-1d', at: params.dayBeforeAt, ifPast: 'continue' }, next: 'heures-permises' },
      { id: 'heures-permises', type: 'wait', wait: { kind: 'window' }, next: 'sms-rappel' },
      { id: 'sms-rappel', type: 'action', action: sms(params.reminderText), next: params.emailReminder ? 'email-rappel' : 'attendre-reponse' },
      ...(params.emailReminder
        ? [
            {
              id: 'email-rappel',
              type: 'action' as const,
              action: {
                kind: 'sendEmail' as const,
                category: 'transactional' as const,
                subject: fillParams(params.emailSubject, params),
                text: fillParams(params.emailText, params),
                ...(params.emailFrom ? { from: { email: params.emailFrom } } : {}),
                calendarEntry: {
                  uid: '{{ event.data.appointmentId }}',
                  start: '{{ event.data.start.at }}',
                  end: '{{ event.data.end.at }}',
                  summary: '{{ event.data.summary }}',
                  location: '{{ event.data.location | default: "" }}',
                },
              },
              next: 'attendre-reponse',
            },
          ]
        : []),
      {
        id: 'attendre-reponse',
        type: 'waitFor',
        event: 'sms.received',
        match: { by: 'contact', where: { kind: 'any', of: [answer('oui'), answer('non')] } },
        timeout: params.replyWindow,
        // An answer is awaited until a minute before the last reminder is due (or the appointment itself):
        // the last reminder's wait then starts before its moment and sends it.
        until: { field: 'event.data.start.at', offset: lastReminder ? `-${Math.ceil(durationMs(params.hoursBefore) / 60_000) + 1}m` : '0s' },
        happened: 'oui',
        timedOut: afterReply,
      },
      { id: 'oui', type: 'condition', if: answer('oui'), yes: 'confirmer', no: 'decliner' },
      { id: 'confirmer', type: 'action', action: mark('confirmed', 'OUI'), next: 'sms-merci' },
      { id: 'sms-merci', type: 'action', action: sms(params.confirmedText), next: afterReply },
      { id: 'decliner', type: 'action', action: mark('declined', 'NON'), next: params.ownerPhone !== undefined ? 'alerte-proprietaire' : params.ownerEmail !== undefined ? 'alerte-email-proprietaire' : 'sms-annule' },
      ...(params.ownerPhone === undefined
        ? []
        : [{ id: 'alerte-proprietaire', type: 'action' as const, action: sms(params.ownerAlertText, params.ownerPhone), next: params.ownerEmail === undefined ? 'sms-annule' : 'alerte-email-proprietaire' }]),
      ...(params.ownerEmail === undefined
        ? []
        : [
            {
              id: 'alerte-email-proprietaire',
              type: 'action' as const,
              action: {
                kind: 'sendEmail' as const,
                category: 'transactional' as const,
                to: params.ownerEmail,
                subject: 'Rendez-vous annulé par SMS : {{ event.data.start.day }} à {{ event.data.start.time | default: "" }}',
                text: fillParams(params.ownerAlertText, params),
                ...(params.emailFrom ? { from: { email: params.emailFrom } } : {}),
              },
              next: 'sms-annule',
            },
          ]),
      { id: 'sms-annule', type: 'action', action: sms(params.declinedText), next: 'fin' },
      ...(lastReminder
        ? [
            { id: 'avant', type: 'wait' as const, wait: { kind: 'untilDate' as const, field: 'event.data.start.at', offset: `-${params.hoursBefore}`, ifPast: 'exit' as const }, next: 'sms-bientot' },
            { id: 'sms-bientot', type: 'action' as const, action: sms(params.soonText), next: 'fin' },
          ]
        : []),
      { id: 'fin', type: 'exit' },
    ];
    return {
      name: 'Rappels de rendez-vous',
      description: `SMS la veille à ${params.dayBeforeAt} avec OUI / NON${lastReminder ? `, rappel ${params.hoursBefore} avant` : ''}${params.ownerPhone ? `; NON alerte le ${params.ownerPhone}` : ''}.`,
      definition: {
        trigger: { kind: 'event', event: 'appointment.scheduled', also: ['appointment.rescheduled'] },
        entry: { per: 'contactAndKey', key: 'event.data.appointmentId', reentry: true },
        exitEvents: [
          { event: 'appointment.rescheduled', match: sameAppointment },
          { event: 'appointment.cancelled', match: sameAppointment },
        ],
        steps,
      },
    };
  },
});
