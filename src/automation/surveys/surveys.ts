/**
 * Satisfaction questions: the row each question is (asked by a scenario's SMS step with `survey`),
 * and the one way an answer becomes `survey.answered`, whether it came from the hub's page or an SMS
 * reply, so both carry the same payload: { surveyId, score, comment?, via, ref? }, the contact as
 * subject. An answer is taken once, before the question expires; a second one changes nothing.
 */
import type { EventPublisher } from '../../contacts/contacts.ts';
import type { Db } from '../../store/db.ts';
import { durationMs } from '../duration.ts';
import type { SurveyLinks } from './survey-links.ts';

export interface SurveyInvitationRow {
  id: string;
  tenant_id: string;
  contact_id: string;
  message_key: string;
  via: 'page' | 'sms';
  ref: string | null;
  locale: string | null;
  expires_at: Date;
  answered_at: Date | null;
  score: number | null;
}

export interface InviteInput {
  tenantId: string;
  contactId: string;
  /** The send's idempotency key: one question per send, the same on a retry. */
  messageKey: string;
  via: 'page' | 'sms';
  ref?: string | undefined;
  scenarioId?: string | undefined;
  locale?: string | null | undefined;
  validFor: string;
}

export type AnswerOutcome = { kind: 'answered'; eventId: string } | { kind: 'already-answered'; score: number } | { kind: 'expired' } | { kind: 'unknown' };

export interface Surveys {
  readonly links: SurveyLinks;
  /** The question's row (created once per send) and, asked on the page, its signed link. */
  invite(input: InviteInput, now: Date): Promise<{ id: string; url: string | undefined }>;
  /** The message the question went in, once sent. */
  attachMessage(tenantId: string, id: string, messageId: string): Promise<void>;
  byId(id: string): Promise<SurveyInvitationRow | undefined>;
  /** The contact's open SMS question: the one the reply answers (`inReplyTo`) if known, else the latest not expired. */
  openSmsQuestion(tenantId: string, contactId: string, inReplyToMessageId: string | undefined, now: Date): Promise<SurveyInvitationRow | undefined>;
  answer(row: SurveyInvitationRow, answer: { score: number; comment?: string | undefined; via: 'page' | 'sms' }, now: Date): Promise<AnswerOutcome>;
}

const COLUMNS = 'id, tenant_id, contact_id, message_key, via, ref, locale, expires_at, answered_at, score';

export function createSurveys(deps: { db: Db; publisher: EventPublisher; links: SurveyLinks }): Surveys {
  const { db, links } = deps;
  const bindingOf = (row: SurveyInvitationRow) => ({ tenantId: row.tenant_id, id: row.id, messageKey: row.message_key, expiresAt: new Date(row.expires_at) });
  return {
    links,
    async invite(input, now) {
      const id = links.idFor(input.tenantId, input.messageKey);
      await db.query(
        `INSERT INTO survey_invitations (id, tenant_id, contact_id, message_key, via, ref, scenario_id, locale, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [id, input.tenantId, input.contactId, input.messageKey, input.via, input.ref ?? null, input.scenarioId ?? null, input.locale ?? null, now, new Date(now.getTime() + durationMs(input.validFor))],
      );
      // A retried step finds the row of its first attempt: same link, same expiry.
      const [row] = await db.query<SurveyInvitationRow>(`SELECT ${COLUMNS} FROM survey_invitations WHERE tenant_id = $1 AND id = $2`, [input.tenantId, id]);
      if (!row) throw new Error(`survey question ${id} was not stored`);
      return { id, url: row.via === 'page' ? links.url(bindingOf(row)) : undefined };
    },
    async attachMessage(tenantId, id, messageId) {
      await db.query('UPDATE survey_invitations SET message_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, messageId]);
    },
    async byId(id) {
      // The link names no tenant: its id is global and unguessable; the signature then binds the row's tenant.
      const [row] = await db.query<SurveyInvitationRow>(`SELECT ${COLUMNS} FROM survey_invitations WHERE id = $1`, [id]);
      return row;
    },
    async openSmsQuestion(tenantId, contactId, inReplyTo, now) {
      const [row] = await db.query<SurveyInvitationRow>(
        `SELECT ${COLUMNS} FROM survey_invitations
         WHERE tenant_id = $1 AND contact_id = $2 AND via = 'sms' AND answered_at IS NULL AND expires_at > $3 AND ($4::text IS NULL OR message_id = $4)
         ORDER BY created_at DESC LIMIT 1`,
        [tenantId, contactId, now, inReplyTo ?? null],
      );
      return row;
    },
    async answer(row, answer, now) {
      const [claimed] = await db.query<{ id: string }>(
        `UPDATE survey_invitations SET answered_at = $3, score = $4, comment = $5, answered_via = $6
         WHERE tenant_id = $1 AND id = $2 AND answered_at IS NULL AND expires_at > $3 RETURNING id`,
        [row.tenant_id, row.id, now, answer.score, answer.comment ?? null, answer.via],
      );
      if (!claimed) {
        const [current] = await db.query<{ score: number | null; expires_at: Date }>('SELECT score, expires_at FROM survey_invitations WHERE tenant_id = $1 AND id = $2', [row.tenant_id, row.id]);
        if (!current) return { kind: 'unknown' };
        return current.score !== null ? { kind: 'already-answered', score: current.score } : { kind: 'expired' };
      }
      try {
        const published = await deps.publisher.publish({
          tenantId: row.tenant_id,
          source: 'hub',
          type: 'survey.answered',
          dedupeKey: `survey.answered:${row.id}`,
          occurredAt: now,
          subject: { contactId: row.contact_id },
          data: { surveyId: row.id, score: answer.score, ...(answer.comment ? { comment: answer.comment } : {}), via: answer.via, ...(row.ref === null ? {} : { ref: row.ref }) },
        });
        return { kind: 'answered', eventId: published.id };
      } catch (error) {
        // Not published: the question opens again, so the customer's retry is not lost.
        await db.query('UPDATE survey_invitations SET answered_at = NULL, score = NULL, comment = NULL, answered_via = NULL WHERE tenant_id = $1 AND id = $2', [row.tenant_id, row.id]);
        throw error;
      }
    },
  };
}
