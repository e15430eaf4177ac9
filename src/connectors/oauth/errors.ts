import { ExternalSystemError } from '../external-error.ts';

/**
 * The installation's OAuth grant is gone (the provider answered `invalid_grant`: revoked, expired, password
 * changed): the installation is in status `reauthorize` and nothing calls the system until an admin reconnects.
 * Not transient: retrying without the admin changes nothing.
 */
export class ReauthorizationRequiredError extends ExternalSystemError {
  readonly installationId: string;

  constructor(installationId: string, message: string) {
    super('auth', message, { code: 'invalid_grant' });
    this.name = 'ReauthorizationRequiredError';
    this.installationId = installationId;
  }
}
