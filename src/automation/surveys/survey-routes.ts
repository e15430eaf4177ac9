/**
 * `GET /s/<id>.<signature>`: the one-question page; `POST` the same URL: the answer (a form). The
 * link alone authorizes: its id names the question, its signature must match the question's tenant,
 * message and expiry. An altered link is a 404, an expired one a 410; a second answer (a replayed
 * form, a back button) shows "already answered" and publishes nothing.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RouteModule } from '../../gateway/app.ts';
import { TOKEN_PAGE_HEADERS } from '../../gateway/token-page.ts';
import { SURVEY_PATH } from './survey-links.ts';
import { renderSurveyPage, surveyLanguage, type SurveyLanguage, type SurveyPage } from './survey-page.ts';
import type { SurveyInvitationRow, Surveys } from './surveys.ts';

export interface SurveyRoutesOptions {
  surveys: Surveys;
  clock: () => Date;
  log: Logger;
}

const BODY_LIMIT_BYTES = 8 * 1024;
const ParamsSchema = z.object({ token: z.string().max(64) });

const send = (reply: FastifyReply, status: number, page: SurveyPage, language: SurveyLanguage) =>
  reply.code(status).headers(TOKEN_PAGE_HEADERS).type('text/html; charset=utf-8').send(renderSurveyPage(page, language));

/** The form's fields: score 1–5, an optional comment. */
const AnswerSchema = z.object({ score: z.coerce.number().int().min(1).max(5), comment: z.string().trim().max(1000).optional() });

export const surveyRoutes: FastifyPluginAsyncZod<SurveyRoutesOptions> = async (app, { surveys, clock, log }) => {
  // Scoped to this plugin: the form posts application/x-www-form-urlencoded; the rest of the gateway keeps refusing non-JSON bodies.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));

  /** The question a token names, if its signature holds. */
  async function questionOf(token: string): Promise<SurveyInvitationRow | undefined> {
    const parsed = surveys.links.parse(token);
    if (!parsed) return undefined;
    const row = await surveys.byId(parsed.id);
    if (!row) return undefined;
    const valid = surveys.links.verify({ tenantId: row.tenant_id, id: row.id, messageKey: row.message_key, expiresAt: new Date(row.expires_at) }, parsed.signature);
    return valid ? row : undefined;
  }

  const schema = { hide: true, params: ParamsSchema };

  app.get(`${SURVEY_PATH}/:token`, { schema }, async (request, reply) => {
    const row = await questionOf(request.params.token);
    const language = surveyLanguage(row?.locale, request.headers['accept-language']);
    if (!row) return send(reply, 404, { kind: 'invalid' }, language);
    if (row.answered_at !== null) return send(reply, 200, { kind: 'already-answered' }, language);
    if (new Date(row.expires_at) <= clock()) return send(reply, 410, { kind: 'expired' }, language);
    return send(reply, 200, { kind: 'question', token: request.params.token }, language);
  });

  app.post(`${SURVEY_PATH}/:token`, { schema, bodyLimit: BODY_LIMIT_BYTES }, async (request, reply) => {
    const row = await questionOf(request.params.token);
    const language = surveyLanguage(row?.locale, request.headers['accept-language']);
    if (!row) return send(reply, 404, { kind: 'invalid' }, language);
    const fields = Object.fromEntries(new URLSearchParams(typeof request.body === 'string' ? request.body : ''));
    const answer = AnswerSchema.safeParse({ score: fields.score, ...(fields.comment ? { comment: fields.comment } : {}) });
    if (!answer.success) {
      if (row.answered_at !== null) return send(reply, 200, { kind: 'already-answered' }, language);
      return send(reply, 400, { kind: 'question', token: request.params.token, error: true }, language);
    }
    const outcome = await surveys.answer(row, { ...answer.data, via: 'page' }, clock());
    log.info({ tenantId: row.tenant_id, surveyId: row.id, outcome: outcome.kind }, 'survey answer on the page');
    switch (outcome.kind) {
      case 'answered':
        return send(reply, 200, { kind: 'thanks', score: answer.data.score }, language);
      case 'already-answered':
        return send(reply, 200, { kind: 'already-answered' }, language);
      case 'expired':
        return send(reply, 410, { kind: 'expired' }, language);
      case 'unknown':
        return send(reply, 404, { kind: 'invalid' }, language);
    }
  });
};

export function surveyRouteModule(options: SurveyRoutesOptions): RouteModule {
  return { scope: 'public', register: async (app) => void (await app.register(surveyRoutes, options)) };
}
