/**
 * The errors a part's services throw when they refuse a request, in the part's own terms: what kind of
 * refusal it is, never an HTTP status. The gateway answers them as problem+json in one place
 * (`domainProblem` in src/gateway/problem.ts); workers and other parts branch on the class or `kind`.
 * A part that needs a caller to tell one refusal from another adds a subclass next to its code
 * (sending's `IdempotencyKeyReusedError`).
 */

/** One wrong field, `path` written as the API shows it (`body.rules.cartReminder`, `headers.idempotency-key`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export type DomainErrorKind =
  /** The input is wrong: `issues` name each field. */
  | 'invalid-input'
  | 'not-found'
  /** The change clashes with the current state (another request, another setting). */
  | 'conflict'
  /** Well-formed, but cannot be done as asked (an external system refused it, a key reused with other data). */
  | 'unprocessable'
  /** An external system is down or timed out: the same request may succeed later. */
  | 'external-unavailable';

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  readonly issues: FieldIssue[] | undefined;

  constructor(kind: DomainErrorKind, message: string, issues?: FieldIssue[]) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
    this.issues = issues;
  }
}

export class InvalidInputError extends DomainError {
  constructor(message: string, issues: FieldIssue[]) {
    super('invalid-input', message, issues);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('not-found', message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, issues?: FieldIssue[]) {
    super('conflict', message, issues);
  }
}

export class UnprocessableError extends DomainError {
  constructor(message: string, issues?: FieldIssue[]) {
    super('unprocessable', message, issues);
  }
}

export class ExternalUnavailableError extends DomainError {
  constructor(message: string) {
    super('external-unavailable', message);
  }
}

/** `No scenario with id "scn_1" in this tenant.`: how every lookup by id says it found nothing. */
export const notFound = (what: string, id: string): NotFoundError => new NotFoundError(`No ${what} with id "${id}" in this tenant.`);

/** A refusal that the same call would meet again (everything but an external system being down): a worker gives up instead of retrying. */
export const isRefusal = (error: unknown): error is DomainError => error instanceof DomainError && error.kind !== 'external-unavailable';
