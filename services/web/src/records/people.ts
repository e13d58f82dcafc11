import type { SignedInPerson } from '../session/session';

/** Clinical and care staff: they find patients, read journals, contribute and take tasks. */
export const isStaffPerson = (person: SignedInPerson): boolean =>
  person.role !== 'patient' && person.role !== 'carer' && person.role !== 'privacy-officer';

/**
 * Who may give an NHS number to open a record: staff, and carers, who sign in with NHS login
 * without saying whose record (the record API answers only where the patient approved them).
 */
export const mayFindPatient = (person: SignedInPerson): boolean =>
  isStaffPerson(person) || person.role === 'carer';
