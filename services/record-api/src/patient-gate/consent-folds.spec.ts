import { consentSubject } from '@carelog/domain';
import { consentInForceOf, type ConsentInForce } from '@carelog/read-model';
import { consentsNow, foldConsents, type ConsentDecision } from './consent-folds';

const ENTRY = '0b6c2b8e-4f55-4d8e-9b1e-3f8a2d1c7e10';
const OTHER_ENTRY = '7d1f9a3c-2b4e-4c6d-8e0f-1a2b3c4d5e6f';
const sealedFrom = { kind: 'organisation', value: 'B82002' };

const sealed = (entryEventId: string): ConsentDecision => ({
  type: 'EntrySealed',
  payload: { entryEventId, sealedFrom },
});
const unsealed = (entryEventId: string): ConsentDecision => ({
  type: 'EntryUnsealed',
  payload: { entryEventId, sealedFrom },
});
const shared: ConsentDecision = {
  type: 'SensitiveInformationShared',
  payload: { category: 'sexual-health', sharedWithOrganisation: 'A81001' },
};
const approved = (carerUserId: string, scope: string[]): ConsentDecision => ({
  type: 'CarerApproved',
  payload: { carerUserId, scope },
});
const revoked = (carerUserId: string): ConsentDecision => ({
  type: 'CarerRevoked',
  payload: { carerUserId },
});

/** A patient's decisions in log order: two seals (one lifted), a share, a carer approved. */
const DECISIONS = [
  sealed(ENTRY),
  sealed(OTHER_ENTRY),
  shared,
  approved('carer-1', ['medicines']),
  unsealed(ENTRY),
];

describe("the patient gate's consents, as they stood and as they stand", () => {
  it('folds decisions in log order: an unseal lifts its seal, a revocation ends an approval', () => {
    const decisions = [...DECISIONS, approved('carer-2', ['care-plan']), revoked('carer-2')];
    expect(foldConsents(decisions, 'carer-1')).toEqual({
      consents: {
        seals: [{ entryEventId: OTHER_ENTRY, kind: 'organisation', value: 'B82002' }],
        shares: [{ category: 'sexual-health', organisation: 'A81001' }],
      },
      carerScope: ['medicines'],
    });
    expect(foldConsents(decisions, 'carer-2').carerScope).toBeNull();
    expect(foldConsents(decisions, null).carerScope).toBeNull();
  });

  it('reads the state the same decisions left (consent_state) to the same answer', () => {
    // The rows the projection keeps for those decisions: only what is still in force.
    const inForce: ConsentInForce[] = [
      {
        subject: consentSubject.seal(OTHER_ENTRY, sealedFrom.kind, sealedFrom.value),
        detail: { entryEventId: OTHER_ENTRY, sealedFrom },
      },
      {
        subject: consentSubject.share('sexual-health', 'A81001'),
        detail: shared.payload,
      },
      {
        subject: consentSubject.carer('carer-1'),
        detail: { carerUserId: 'carer-1', scope: ['medicines'] },
      },
      { subject: consentSubject.optOut('national-data-opt-out'), detail: {} },
    ].flatMap((row) => consentInForceOf(row) ?? []);
    for (const carer of ['carer-1', 'carer-2', null])
      expect(consentsNow(inForce, carer)).toEqual(foldConsents(DECISIONS, carer));
  });
});
