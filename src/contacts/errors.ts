import type { z } from 'zod';

export type FieldIssue = { path: string; message: string };

/** Input the contacts service refuses; `issues` name the fields relative to the input ("phone", "attributes.size"). */
export class ContactInputError extends Error {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super(issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; '));
    this.name = 'ContactInputError';
    this.issues = issues;
  }

  static fromZod(error: z.ZodError): ContactInputError {
    return new ContactInputError(error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })));
  }
}

/** A change that would give a contact an identifier (phone, email, external id) another contact holds. */
export class ContactConflictError extends Error {
  readonly field: string;
  readonly otherContactId: string | undefined;

  constructor(field: string, message: string, otherContactId?: string) {
    super(message);
    this.name = 'ContactConflictError';
    this.field = field;
    this.otherContactId = otherContactId;
  }
}

/** A list name already used in the tenant (names are unique, case-insensitively). */
export class ListNameTakenError extends Error {
  constructor(name: string) {
    super(`A list named "${name}" already exists in this tenant.`);
    this.name = 'ListNameTakenError';
  }
}
