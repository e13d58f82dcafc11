import { DomainError } from './domain-error';

/** An NHS number that has passed the modulus 11 check. */
export type NhsNumber = string & { readonly __brand: 'NhsNumber' };

/**
 * NHS number check digit (NHS Data Dictionary): weights 10..2 over the first nine digits,
 * 11 minus the remainder mod 11; 11 becomes 0, and 10 means the number is invalid. A number
 * of one repeated digit (0000000000, 1111111111, ...) is never issued, though some pass the
 * check, and is refused.
 */
export function isValidNhsNumber(value: unknown): value is NhsNumber {
  if (typeof value !== 'string' || !/^\d{10}$/.test(value) || /^(\d)\1{9}$/.test(value))
    return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(value[9]);
}

export function parseNhsNumber(value: unknown, field = 'patient.nhsNumber'): NhsNumber {
  if (typeof value !== 'string' || !isValidNhsNumber(value)) {
    throw new DomainError(
      'invalid-nhs-number',
      'must be a 10-digit NHS number with a valid modulus 11 check digit, not one repeated digit',
      field,
    );
  }
  return value;
}
