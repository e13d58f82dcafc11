import { stateFromConsents } from './patient-state';

describe('notifications: the consents in force as recipients need them', () => {
  it('keeps each approved carer with their scope and notice choice, and the seals and shares for the access rules', () => {
    const seal = {
      entryEventId: '0b6c2b8e-4f55-4d8e-9b1e-3f8a2d1c7e10',
      kind: 'role',
      value: 'receptionist',
    };
    const share = { category: 'hiv', organisation: 'A81001' };
    const state = stateFromConsents([
      {
        kind: 'carer',
        approval: { carerUserId: 'carer-1', scope: ['care-plan'], notifyOnCarePlanChange: false },
      },
      // A stored approval without a list of sections: known as a carer, allowed no section.
      {
        kind: 'carer',
        approval: { carerUserId: 'carer-2', scope: null, notifyOnCarePlanChange: true },
      },
      { kind: 'seal', seal },
      { kind: 'share', share },
      { kind: 'optOut', optOutType: 'national-data-opt-out' },
    ]);
    expect([...state.carers]).toEqual([
      ['carer-1', { scope: ['care-plan'], notify: false }],
      ['carer-2', { scope: [], notify: true }],
    ]);
    expect(state.consents).toEqual({ seals: [seal], shares: [share] });
  });
});
