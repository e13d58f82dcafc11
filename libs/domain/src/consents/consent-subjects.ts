/**
 * The one owner of the consent-state subject format (read model `consent_state.subject`): the
 * projection writes a decision under its subject, and the readers (libs/read-model's consent
 * reader, used by the record API's patient gate and notifications; the home-reading rules) tell
 * one kind from another through here, so the format cannot drift between writer and readers.
 * Stored subjects keep this exact form.
 */
export const consentSubject = {
  /** A data opt-out, e.g. `opt-out:national-data-opt-out`. */
  optOut: (optOutType: string): string => `opt-out:${optOutType}`,
  /** An entry sealed from an organisation, role or person: `seal:<entry id>:<kind>:<value>`. */
  seal: (entryEventId: string, kind: string, value: string): string =>
    `seal:${entryEventId}:${kind}:${value}`,
  /** A carer the patient approved: `carer:<user id>`. */
  carer: (carerUserId: string): string => `carer:${carerUserId}`,
  /** A legally protected category shared with an organisation: `share:<category>:<ODS code>`. */
  share: (category: string, organisation: string): string => `share:${category}:${organisation}`,
  /** On a child's record: a person holding parental responsibility for the child. */
  parentalResponsibility: (personNhsNumber: string): string =>
    `parental-responsibility:${personNhsNumber}`,
  /** On a child's record: the child's decision whether a parent may read. */
  parentalAccess: (parentNhsNumber: string): string => `parental-access:${parentNhsNumber}`,
} as const;

export type ConsentSubjectKind = keyof typeof consentSubject;

const PREFIXES: ReadonlyArray<[string, ConsentSubjectKind]> = [
  ['opt-out:', 'optOut'],
  ['seal:', 'seal'],
  ['carer:', 'carer'],
  ['share:', 'share'],
  ['parental-responsibility:', 'parentalResponsibility'],
  ['parental-access:', 'parentalAccess'],
];

/** Which kind of decision a stored subject records, and what follows its prefix. */
export function parseConsentSubject(
  subject: string,
): { kind: ConsentSubjectKind; rest: string } | undefined {
  const found = PREFIXES.find(([prefix]) => subject.startsWith(prefix));
  return found && { kind: found[1], rest: subject.slice(found[0].length) };
}

export const parentalResponsibilitySubject = consentSubject.parentalResponsibility;
export const parentalAccessSubject = consentSubject.parentalAccess;
