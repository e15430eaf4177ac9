import { HttpProblem } from '../gateway/problem.ts';
import { ContactConflictError, ContactInputError, ListNameTakenError } from './errors.ts';

/**
 * The contacts service's errors as problem+json: field paths are prefixed with where the field was
 * (`body.phone`, `querystring.phone`, `params.address`), as the gateway does for schema errors.
 */
export function toProblem(error: unknown, where: 'body' | 'querystring' | 'params'): unknown {
  if (error instanceof ContactInputError) {
    const errors = error.issues.map((issue) => ({ path: issue.path ? `${where}.${issue.path}` : where, message: issue.message }));
    return new HttpProblem(400, 'validation-failed', errors.map((issue) => `${issue.path}: ${issue.message}`).join('; '), { errors });
  }
  if (error instanceof ContactConflictError) {
    return new HttpProblem(409, 'conflict', error.message, { errors: [{ path: `${where}.${error.field}`, message: error.message }] });
  }
  if (error instanceof ListNameTakenError) {
    return new HttpProblem(409, 'conflict', error.message, { errors: [{ path: `${where}.name`, message: 'already used by another list' }] });
  }
  return error;
}

/** Runs `work`, answering the service's errors as problems. */
export async function asProblem<T>(where: 'body' | 'querystring' | 'params', work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toProblem(error, where);
  }
}
