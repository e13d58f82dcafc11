/** A problem+json answer from a carelog service (RFC 9457, with carelog's `code` and `field`). */
export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  field?: string;
}

/** What each stable problem code means to a person, in their words. */
const PLAIN_WORDS: Record<string, string> = {
  'missing-token': 'You are not signed in. Sign in again.',
  'invalid-token': 'Your sign-in has expired or is not valid. Sign in again.',
  'not-permitted': 'You are not allowed to do this.',
  'person-required': 'Only a person can do this.',
  'role-not-mapped': 'Your role does not give you access to carelog.',
  'identity-proofing-insufficient':
    'You need to prove who you are to a higher level (P9) in NHS login to see your record.',
  'not-permitted-to-author': 'Your role cannot add this kind of entry.',
  'not-authoring-organisation': 'Only the organisation that wrote this entry can change it.',
  'relationship-start-not-permitted':
    'Your organisation cannot start caring for this patient this way.',
  'care-relationship-required':
    'Your organisation does not care for this patient, so you cannot add to their record.',
  'patient-not-found': 'We could not find a record you can see for that NHS number.',
  'entry-not-found': 'We could not find that entry.',
  'task-not-found': 'We could not find that task.',
  'alert-not-found': 'We could not find that alert.',
  'task-already-acknowledged': 'Someone has already acknowledged this task.',
  'task-withdrawn': 'This task was withdrawn: the entry no longer needs attention.',
  'alert-already-acknowledged': 'This alert has already been reviewed.',
  'invalid-nhs-number': 'Enter a valid 10-digit NHS number.',
  'invalid-event': 'Some of what you entered is not valid.',
  'clinical-time-in-future': 'The date and time cannot be in the future.',
  'clinical-time-out-of-range': 'The date and time is not plausible.',
  'attention-recipient-unreachable':
    'Nobody in that role and organisation can see this record, so it cannot be flagged to them.',
  'break-glass-reason-required': 'Give a reason of at least 10 characters.',
  'claim-reason-required': 'Give a reason of at least 10 characters.',
  'reconstruction-reason-required': 'Give a reason of at least 10 characters.',
  'reader-out-of-scope': 'You do not review that organisation’s staff.',
  'invalid-outcome': 'Choose an outcome.',
  'broker-unavailable':
    'carelog cannot record this right now. Nothing was saved; try again in a minute.',
  'database-unavailable': 'carelog cannot answer right now. Try again in a minute.',
  'issuer-unavailable': 'carelog cannot check your sign-in right now. Try again in a minute.',
  'platform-unreachable': 'carelog cannot be reached right now. Try again in a minute.',
};

const FIELDS: Record<string, string> = {
  nhsNumber: 'NHS number',
  reason: 'reason',
  note: 'note',
  outcome: 'outcome',
};

/** A problem said so that a person understands what happened and what to do. */
export function inPlainWords(problem: Problem): string {
  const known = problem.code ? PLAIN_WORDS[problem.code] : undefined;
  if (known) return known;
  if (problem.status === 400 || problem.status === 422) {
    const field = problem.field ? (FIELDS[problem.field] ?? problem.field.split('.').pop()) : null;
    return field
      ? `Check the ${field}: it ${problem.detail ?? 'is not valid'}.`
      : 'Some of what you entered is not valid.';
  }
  if (problem.status >= 500) return 'Something went wrong in carelog. Try again in a minute.';
  return 'This could not be done.';
}
