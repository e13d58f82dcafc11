import { DomainError } from './domain-error';

/**
 * Sensitivity categories (docs/architecture.md, "Access rules"). The legally protected ones are hidden
 * from everyone but the authoring organisation and the patient unless the patient consents.
 */
export const LEGALLY_PROTECTED_CATEGORIES = [
  'sexual-health',
  'fertility',
  'gender-identity',
  'termination',
] as const;
export const SENSITIVITY_CATEGORIES = [
  ...LEGALLY_PROTECTED_CATEGORIES,
  'safeguarding',
  'patient-sealed',
] as const;

export type SensitivityCategory = (typeof SENSITIVITY_CATEGORIES)[number];

export const isSensitivityCategory = (value: string): value is SensitivityCategory =>
  (SENSITIVITY_CATEGORIES as readonly string[]).includes(value);

export function parseSensitivity(value: unknown, field = 'sensitivity'): SensitivityCategory[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new DomainError('invalid-sensitivity', 'must be a list of sensitivity categories', field);
  return value.map((category: unknown, index) => {
    if (typeof category !== 'string' || !isSensitivityCategory(category)) {
      throw new DomainError(
        'unknown-sensitivity-category',
        `must be one of ${SENSITIVITY_CATEGORIES.join(', ')}`,
        `${field}[${index}]`,
      );
    }
    return category;
  });
}
