export * from './generated/entry-type-names';
export { DomainError, isDomainError } from './domain-error';
export { isValidNhsNumber, parseNhsNumber, type NhsNumber } from './nhs-number';
export {
  SENSITIVITY_CATEGORIES,
  LEGALLY_PROTECTED_CATEGORIES,
  isSensitivityCategory,
  parseSensitivity,
  type SensitivityCategory,
} from './sensitivity';
export * from './roles';
export * from './source-domains';
export { checkClinicalTime, MAX_CLOCK_SKEW_MS } from './clinical-time';
export * from './boundary/date-time';
export * from './boundary/text';
export * from './boundary/uuid';
export * from './boundary/page-cursor';
export * from './boundary/vocabularies';
export * from './journal/journal-views';
export * from './journal/access-rules';
export * from './journal/journal';
export * from './journal/digest-periods';
export * from './journal/routine-summaries';
export * from './journal/note-folding';
export * from './tasks';
export * from './relationships/write-permission';
export * from './journal/since-mark';
export * from './journal/journal-pages';
export * from './children/parental-access';
export * from './consents/consent-subjects';
export * from './medicines/current-medicines';
export * from './results/result-release-policy';
export * from './results/result-release';
export * from './results/home-reading-rules';
