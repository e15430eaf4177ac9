import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';
import { findInputIssues, type InputIssue } from './storable-text.ts';

const refuse = (where: string, issues: InputIssue[]) =>
  new HttpProblem(400, 'validation-failed', `The ${where} has ${issues.length} field(s) that cannot be accepted; see errors.`, { errors: issues });

/**
 * The gateway's JSON parser: Fastify's, plus a refusal of what PostgreSQL cannot store and of nesting
 * deeper than `MAX_JSON_DEPTH`, so no route sees such a body. `JSON.parse` itself is iterative in V8:
 * a 1 MB body of `[[[[…` parses; it is the walk here, not a recursive validator, that meets the depth.
 */
function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = String(text);
    if (body.trim() === '') return done(new HttpProblem(400, 'malformed-body', 'The body is empty but Content-Type says JSON.'));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      return done(new HttpProblem(400, 'malformed-body', `The body is not valid JSON: ${(error as Error).message}`));
    }
    const issues = findInputIssues(parsed, 'body');
    done(issues.length > 0 ? refuse('body', issues) : null, parsed);
  });
}

/** Path parameters and query strings get the same check, for every route, before its validation runs. */
async function refuseUnstorableParameters(request: FastifyRequest): Promise<void> {
  const issues = [...findInputIssues(request.params, 'params'), ...findInputIssues(request.query, 'querystring')];
  if (issues.length > 0) throw refuse(issues[0]!.path.startsWith('params') ? 'path' : 'query string', issues);
}

/** Installs both guards on the root instance, so every route registered after inherits them. */
export function installInputGuard(app: FastifyInstance): void {
  installJsonBodyParser(app);
  app.addHook('preValidation', refuseUnstorableParameters);
}
