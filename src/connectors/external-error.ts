import { ExternalUnavailableError, UnprocessableError, type DomainError } from '../errors.ts';

/**
 * Why a call to an external system failed, in terms a person can act on. Clients of connectors
 * translate their library's errors into these kinds; the API turns them into problems.
 */
export type ExternalFailure =
  /** DNS, refused connection, reset, TLS: the system is down or the address is wrong. */
  | 'unreachable'
  | 'timeout'
  /** 401/403: the credentials are wrong, revoked or lack a permission. */
  | 'auth'
  /** 404 on an endpoint the connector needs (plugin missing, pretty permalinks off…). */
  | 'not-found'
  /** 400/409/422: the system refused the request as such. */
  | 'refused'
  /** 5xx or 429. */
  | 'server'
  /** A redirect: the admin should give the final URL (credentials are not sent across redirects). */
  | 'redirect'
  /** The host is or resolves to a private address and the operator has not allowed private targets (src/net). */
  | 'blocked'
  /** 2xx but not the expected shape (not the system the URL was meant to be). */
  | 'invalid-response';

export class ExternalSystemError extends Error {
  readonly kind: ExternalFailure;
  readonly status: number | undefined;
  /** The system's own error code, e.g. `woocommerce_rest_cannot_create`. */
  readonly code: string | undefined;
  /** The install field the failure is about (`storeUrl`), when the admin must change one. */
  readonly field: string | undefined;

  constructor(kind: ExternalFailure, message: string, options: { status?: number; code?: string; field?: string } = {}) {
    super(message);
    this.name = 'ExternalSystemError';
    this.kind = kind;
    this.status = options.status;
    this.code = options.code;
    this.field = options.field;
  }

  /** Worth trying again later without changing anything (the next reconcile will). */
  get transient(): boolean {
    return this.kind === 'unreachable' || this.kind === 'timeout' || this.kind === 'server';
  }
}

/** A failed external call as the hub's refusal: unavailable when the system is down (try later), unprocessable when the input must change. */
export function externalRefusal(error: ExternalSystemError, suffix = ''): DomainError {
  const detail = suffix ? `${error.message} ${suffix}` : error.message;
  if (error.transient) return new ExternalUnavailableError(detail);
  return new UnprocessableError(detail, error.field === undefined ? undefined : [{ path: `body.${error.field}`, message: error.message }]);
}
