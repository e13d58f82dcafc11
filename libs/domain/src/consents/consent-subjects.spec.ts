import { consentSubject, parseConsentSubject, type ConsentSubjectKind } from './consent-subjects';

describe('consent-state subjects, written and read in one form', () => {
  it.each<[ConsentSubjectKind, string, string]>([
    ['optOut', consentSubject.optOut('national-data-opt-out'), 'opt-out:national-data-opt-out'],
    [
      'seal',
      consentSubject.seal('0b6c2b8e-4f55-4d8e-9b1e-3f8a2d1c7e10', 'organisation', 'B82002'),
      'seal:0b6c2b8e-4f55-4d8e-9b1e-3f8a2d1c7e10:organisation:B82002',
    ],
    ['carer', consentSubject.carer('carer-7'), 'carer:carer-7'],
    ['share', consentSubject.share('sexual-health', 'A81001'), 'share:sexual-health:A81001'],
    [
      'parentalResponsibility',
      consentSubject.parentalResponsibility('9434765870'),
      'parental-responsibility:9434765870',
    ],
    ['parentalAccess', consentSubject.parentalAccess('9434765870'), 'parental-access:9434765870'],
  ])('keeps the stored form of a %s subject, and reads its kind back', (kind, written, stored) => {
    expect(written).toBe(stored);
    expect(parseConsentSubject(written)?.kind).toBe(kind);
  });

  it('gives what follows the prefix (a carer is known by it), and nothing for another form', () => {
    expect(parseConsentSubject(consentSubject.carer('carer:odd'))).toEqual({
      kind: 'carer',
      rest: 'carer:odd',
    });
    expect(parseConsentSubject('parental-accessory:1')).toBeUndefined();
    expect(parseConsentSubject('')).toBeUndefined();
  });
});
