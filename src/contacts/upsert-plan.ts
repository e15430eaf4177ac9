/**
 * Which contact an upsert lands on, and what it may change: a pure decision over what the store
 * holds for each identifier, so the matching rules are table-tested apart from SQL.
 *
 * Order: external ids (the caller's own key for the record), then phone, then email. The first
 * identifier that points to a contact wins. An identifier held by a *different* contact is never
 * moved or merged silently: it is left where it is and reported as a conflict.
 */
export type Identifier = { kind: 'externalId'; source: string; value: string } | { kind: 'phone'; value: string } | { kind: 'email'; value: string };

/** An identifier of the input with the contact that holds it now, if any. */
export type IdentifierMatch = Identifier & { contactId: string | undefined };

export type MatchedBy = Identifier['kind'];

export interface UpsertConflict {
  /** "phone", "email" or "externalIds.<source>". */
  field: string;
  /** The value the input carried. */
  value: string;
  /**
   * `held-by-other-contact`: another contact has this identifier (contactId names it);
   * `contact-has-other-id`: the matched contact is already linked to another id of that source.
   */
  reason: 'held-by-other-contact' | 'contact-has-other-id';
  contactId: string;
  /** For `contact-has-other-id`: the id already linked. */
  existingValue?: string;
}

export interface UpsertPlan {
  /** The contact to update; undefined: create one. */
  contactId: string | undefined;
  matchedBy: MatchedBy | undefined;
  setPhone: boolean;
  setEmail: boolean;
  linkExternalIds: { source: string; value: string }[];
  conflicts: UpsertConflict[];
}

export const fieldOf = (identifier: Identifier): string => (identifier.kind === 'externalId' ? `externalIds.${identifier.source}` : identifier.kind);

/** The first identifier, in matching order, that points to a contact. */
export function choosePrimary(matches: readonly IdentifierMatch[]): IdentifierMatch | undefined {
  const rank = (match: IdentifierMatch) => ['externalId', 'phone', 'email'].indexOf(match.kind);
  return [...matches].sort((a, b) => rank(a) - rank(b)).find((match) => match.contactId !== undefined);
}

/** `primary` is the chosen contact with its current external ids (undefined when none matched). */
export function planUpsert(matches: readonly IdentifierMatch[], primary: { id: string; externalIds: Record<string, string> } | undefined): UpsertPlan {
  const plan: UpsertPlan = {
    contactId: primary?.id,
    matchedBy: primary ? choosePrimary(matches)?.kind : undefined,
    setPhone: false,
    setEmail: false,
    linkExternalIds: [],
    conflicts: [],
  };
  for (const match of matches) {
    if (match.contactId !== undefined && match.contactId !== primary?.id) {
      plan.conflicts.push({ field: fieldOf(match), value: match.value, reason: 'held-by-other-contact', contactId: match.contactId });
      continue;
    }
    if (match.contactId !== undefined) continue; // Already on the primary contact.
    switch (match.kind) {
      case 'phone':
        plan.setPhone = true;
        break;
      case 'email':
        plan.setEmail = true;
        break;
      case 'externalId': {
        const existing = primary?.externalIds[match.source];
        if (existing !== undefined && existing !== match.value) {
          plan.conflicts.push({ field: fieldOf(match), value: match.value, reason: 'contact-has-other-id', contactId: primary!.id, existingValue: existing });
        } else {
          plan.linkExternalIds.push({ source: match.source, value: match.value });
        }
      }
    }
  }
  return plan;
}
