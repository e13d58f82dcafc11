import type { SignedInPerson } from '../session/session';

/** Clinical and care staff: they find patients, read journals, contribute and take tasks. */
export const isStaffPerson = (person: SignedInPerson): boolean =>
  person.role !== 'patient' && person.role !== 'carer' && person.role !== 'privacy-officer';
