import type { EntryFacts } from '../journal/journal-views';
import {
  decidePatientAccess,
  entryDisclosure,
  type PatientFacts,
  type Viewer,
} from '../journal/access-rules';
import {
  birthdayAt,
  decideParentalAccess,
  DEFAULT_PARENTAL_ACCESS_POLICY,
  type ParentalAccessDecision,
  type ParentalFacts,
} from './parental-access';

const BORN = new Date('2015-06-10T03:12:00Z');
const DAY_BEFORE_11 = new Date('2026-06-09T23:59:00Z');
const ELEVENTH_BIRTHDAY = new Date('2026-06-10T00:00:00Z');

/** Given the facts, when the parent reads at a moment, then the policy decides. */
function given(facts: Partial<ParentalFacts>) {
  const full: ParentalFacts = {
    responsibility: true,
    bornAt: BORN,
    childDecision: null,
    ...facts,
  };
  return {
    whenReadingAt: (now: Date) => ({
      then: (expected: ParentalAccessDecision) =>
        expect(decideParentalAccess(full, now)).toEqual(expected),
    }),
  };
}

describe('a parent reading a child’s record (the pure policy)', () => {
  it('is 11 by default, documented', () => {
    expect(DEFAULT_PARENTAL_ACCESS_POLICY.untilAge).toBe(11);
  });

  it('allows a person with parental responsibility until the day before the 11th birthday', () => {
    given({}).whenReadingAt(DAY_BEFORE_11).then({ allowed: true });
  });

  it('refuses from the 11th birthday when the child has made no decision', () => {
    given({})
      .whenReadingAt(ELEVENTH_BIRTHDAY)
      .then({ allowed: false, reason: 'child-has-not-consented' });
  });

  it('allows from 11 only when the child has allowed this parent', () => {
    given({ childDecision: 'allowed' }).whenReadingAt(ELEVENTH_BIRTHDAY).then({ allowed: true });
    given({ childDecision: 'refused' })
      .whenReadingAt(ELEVENTH_BIRTHDAY)
      .then({ allowed: false, reason: 'child-has-not-consented' });
  });

  it('refuses anyone without parental responsibility, whatever the child’s age or decision', () => {
    given({ responsibility: false, childDecision: 'allowed' })
      .whenReadingAt(DAY_BEFORE_11)
      .then({ allowed: false, reason: 'no-parental-responsibility' });
  });

  it('refuses when carelog holds no date of birth (deny by default)', () => {
    given({ bornAt: null })
      .whenReadingAt(DAY_BEFORE_11)
      .then({ allowed: false, reason: 'date-of-birth-unknown' });
  });

  it('takes a 29 February birthday as 1 March in a year without one', () => {
    expect(birthdayAt(new Date('2016-02-29T10:00:00Z'), 11)).toEqual(
      new Date('2027-03-01T00:00:00Z'),
    );
  });

  it('follows a policy given as data', () => {
    expect(
      decideParentalAccess(
        { responsibility: true, bornAt: BORN, childDecision: null },
        DAY_BEFORE_11,
        { untilAge: 5 },
      ),
    ).toEqual({
      allowed: false,
      reason: 'child-has-not-consented',
    });
  });
});

describe('a parent in the access rules', () => {
  const CHILD = '9434765870';
  const parent: Viewer = {
    role: 'patient',
    organisation: 'NHS-LOGIN',
    userId: 'nhs-login-parent',
    nhsNumber: '9434765919',
  };
  const facts = (parental?: ParentalFacts): PatientFacts => ({
    relationships: [],
    carerScope: null,
    breakGlass: false,
    ...(parental ? { parental } : {}),
  });
  const underEleven: ParentalFacts = { responsibility: true, bornAt: BORN, childDecision: null };

  it('lets a parent in on their own basis, and nobody else acting for the child', () => {
    expect(decidePatientAccess(parent, CHILD, facts(underEleven), DAY_BEFORE_11)).toEqual({
      allowed: true,
      basis: 'parental-responsibility',
    });
    expect(decidePatientAccess(parent, CHILD, facts(), DAY_BEFORE_11)).toEqual({
      allowed: false,
    });
    expect(
      decidePatientAccess(
        parent,
        CHILD,
        facts({ ...underEleven, responsibility: false }),
        DAY_BEFORE_11,
      ),
    ).toEqual({ allowed: false });
    expect(decidePatientAccess(parent, CHILD, facts(underEleven), ELEVENTH_BIRTHDAY)).toEqual({
      allowed: false,
    });
  });

  const entry = (over: Partial<EntryFacts>): EntryFacts => ({
    eventId: '00000000-0000-4000-8000-000000000001',
    entryType: 'HealthVisitorReviewRecorded',
    occurredAt: new Date('2026-05-12T09:00:00Z'),
    sensitivity: [],
    attention: null,
    payload: {},
    source: { organisation: 'HV001' },
    ...over,
  });
  const asParent = { allowed: true, basis: 'parental-responsibility' } as const;
  const asChild = { allowed: true, basis: 'patient' } as const;
  const noConsents = { seals: [], shares: [] };

  it('shows the parent the child’s health visiting, never safeguarding, protected or sealed entries, and counts none of them', () => {
    expect(entryDisclosure(parent, asParent, entry({}), noConsents)).toBe('shown');
    for (const hidden of [
      entry({ entryType: 'SafeguardingConcernRaised' }),
      entry({ sensitivity: ['safeguarding'] }),
      entry({ sensitivity: ['sexual-health'] }),
      entry({ sensitivity: ['patient-sealed'] }),
    ])
      expect(entryDisclosure(parent, asParent, hidden, noConsents)).toBe('protected');
    const sealed = {
      seals: [{ entryEventId: entry({}).eventId, kind: 'person', value: parent.userId }],
      shares: [],
    };
    expect(entryDisclosure(parent, asParent, entry({}), sealed)).toBe('protected');
  });

  it('still shows the patient themself their own protected and sealed entries', () => {
    const child: Viewer = { ...parent, nhsNumber: CHILD, userId: 'nhs-login-child' };
    expect(
      entryDisclosure(child, asChild, entry({ sensitivity: ['sexual-health'] }), noConsents),
    ).toBe('shown');
    expect(
      entryDisclosure(child, asChild, entry({ sensitivity: ['safeguarding'] }), noConsents),
    ).toBe('protected');
  });
});
