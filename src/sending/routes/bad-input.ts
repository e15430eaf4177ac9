import { HttpProblem } from '../../gateway/problem.ts';
import { SendInputError } from '../requests.ts';

/** A send or preview body the part refused (SendInputError), as the 400 that names each field under body. */
export function badInput(error: unknown): never {
  if (error instanceof SendInputError) {
    throw new HttpProblem(400, 'validation-failed', `The request has ${error.issues.length} invalid field(s); nothing was sent. See errors.`, {
      errors: error.issues.map((issue) => ({ path: issue.path === '' ? 'body' : `body.${issue.path}`, message: issue.message })),
    });
  }
  throw error;
}
