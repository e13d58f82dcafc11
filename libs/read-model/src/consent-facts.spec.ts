import { consentSubject } from '@carelog/domain';
import {
  carerApprovalOf,
  consentFactsOf,
  consentInForceOf,
  sealOf,
  shareOf,
} from './consent-facts';

const entryId = '0b6c2b8e-4f55-4d8e-9b1e-3f8a2d1c7e10';

describe('consent facts: one mapper from a stored decision to what the access rules read', () => {
  it('reads a seal, a share and a carer approval from the state a decision left', () => {
    expect(
      consentInForceOf({
        subject: consentSubject.seal(entryId, 'organisation', 'B82002'),
        detail: { entryEventId: entryId, sealedFrom: { kind: 'organisation', value: 'B82002' } },
      }),
    ).toEqual({
      kind: 'seal',
      seal: { entryEventId: entryId, kind: 'organisation', value: 'B82002' },
    });
    expect(
      consentInForceOf({
        subject: consentSubject.share('sexual-health', 'A81001'),
        detail: { category: 'sexual-health', sharedWithOrganisation: 'A81001' },
      }),
    ).toEqual({ kind: 'share', share: { category: 'sexual-health', organisation: 'A81001' } });
    expect(
      consentInForceOf({
        subject: consentSubject.carer('carer-7'),
        detail: { carerUserId: 'carer-7', scope: ['medicines', 'care-plan'] },
      }),
    ).toEqual({
      kind: 'carer',
      approval: {
        carerUserId: 'carer-7',
        scope: ['medicines', 'care-plan'],
        notifyOnCarePlanChange: true,
      },
    });
  });

  it('names the person of opt-out and parental subjects from the subject itself', () => {
    expect(consentInForceOf({ subject: consentSubject.optOut('type-1'), detail: {} })).toEqual({
      kind: 'optOut',
      optOutType: 'type-1',
    });
    expect(
      consentInForceOf({
        subject: consentSubject.parentalResponsibility('9434765870'),
        detail: {},
      }),
    ).toEqual({ kind: 'parentalResponsibility', personNhsNumber: '9434765870' });
    expect(
      consentInForceOf({ subject: consentSubject.parentalAccess('9434765919'), detail: {} }),
    ).toEqual({ kind: 'parentalAccess', parentNhsNumber: '9434765919' });
  });

  it('passes over a subject no reader knows', () => {
    expect(consentInForceOf({ subject: 'unknown:thing', detail: {} })).toBeUndefined();
  });

  it('reads a decision payload with the same field mappers as the state', () => {
    expect(
      sealOf({ entryEventId: entryId, sealedFrom: { kind: 'role', value: 'receptionist' } }),
    ).toEqual({ entryEventId: entryId, kind: 'role', value: 'receptionist' });
    expect(shareOf({ category: 'hiv', sharedWithOrganisation: 'X1' })).toEqual({
      category: 'hiv',
      organisation: 'X1',
    });
  });

  it("keeps a carer's scope to its strings, says when there is no list, and reads an opt-out of notices", () => {
    expect(carerApprovalOf('c', { scope: ['medicines', 3, null] }).scope).toEqual(['medicines']);
    expect(carerApprovalOf('c', { scope: 'medicines' }).scope).toBeNull();
    expect(carerApprovalOf('c', {}).scope).toBeNull();
    expect(carerApprovalOf('c', { notifyOnCarePlanChange: false }).notifyOnCarePlanChange).toBe(
      false,
    );
    expect(carerApprovalOf('c', { notifyOnCarePlanChange: null }).notifyOnCarePlanChange).toBe(
      true,
    );
  });

  it('gives the access rules the seals and shares in force, and nothing of carers or opt-outs', () => {
    const seal = { entryEventId: entryId, kind: 'organisation', value: 'B82002' };
    const share = { category: 'sexual-health', organisation: 'A81001' };
    expect(
      consentFactsOf([
        { kind: 'seal', seal },
        { kind: 'optOut', optOutType: 'type-1' },
        { kind: 'share', share },
        {
          kind: 'carer',
          approval: { carerUserId: 'c', scope: [], notifyOnCarePlanChange: true },
        },
      ]),
    ).toEqual({ seals: [seal], shares: [share] });
  });
});
