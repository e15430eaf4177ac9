/**
 * Salesforce record ids: 15 case-sensitive characters, or 18 with a 3-character suffix that encodes the case of the
 * first 15 (so case-insensitive systems can compare them). The identity URL, Outbound Messages and the REST API may
 * give either form; the connector keeps and compares the 18-character one.
 */
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** The 18-character form of a 15- or 18-character id; undefined for anything else. */
export function id18(id: string): string | undefined {
  if (!SALESFORCE_ID.test(id)) return undefined;
  const base = id.slice(0, 15);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let position = 0; position < 5; position++) {
      const char = base[chunk * 5 + position]!;
      if (char >= 'A' && char <= 'Z') bits |= 1 << position;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return base + suffix;
}

/** Whether two ids name the same record (15 or 18 characters either). */
export const sameId = (a: string, b: string): boolean => id18(a) !== undefined && id18(a) === id18(b);

/** An sObject or field API name: standard (`Contact`, `MobilePhone`) or custom (`Invoice__c`, `SMS_Opt_Out__c`). */
export const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/** A Contact (003…) or a Lead (00Q…): what a Task's WhoId may name. */
export const isPersonId = (id: string | null | undefined): id is string => typeof id === 'string' && SALESFORCE_ID.test(id) && (id.startsWith('003') || id.startsWith('00Q'));
