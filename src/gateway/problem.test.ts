import { describe, expect, it } from 'vitest';
import { ConflictError, ExternalUnavailableError, InvalidInputError, NotFoundError, UnprocessableError, type DomainError } from '../errors.ts';
import { IdempotencyKeyReusedError } from '../sending/requests.ts';
import { domainProblem } from './problem.ts';

describe('domainProblem: a service refusal as the API answers it', () => {
  const issues = [{ path: 'body.account', message: 'required' }];
  it.each<[DomainError, number, string]>([
    [new InvalidInputError('The body has 1 invalid field(s); see errors.', issues), 400, 'validation-failed'],
    [new NotFoundError('No scenario with id "scn_1" in this tenant.'), 404, 'not-found'],
    [new ConflictError('Two SMS for one event', issues), 409, 'conflict'],
    [new UnprocessableError('The system refused the token.'), 422, 'unprocessable'],
    [new IdempotencyKeyReusedError('k1'), 422, 'unprocessable'],
    [new ExternalUnavailableError('The system did not answer.'), 502, 'unavailable'],
  ])('%s → %i %s, same detail and field errors', (error, status, code) => {
    expect(domainProblem(error)).toMatchObject({ status, code, message: error.message, errors: error.issues });
  });

  it('keeps the field errors of a key reused, under headers', () => {
    expect(domainProblem(new IdempotencyKeyReusedError('k1')).errors).toEqual([{ path: 'headers.idempotency-key', message: 'already used with a different request' }]);
  });
});
