import { DomainError } from '../domain-error';
import {
  decideWritePermission,
  type HeldRelationship,
  type ProposedWrite,
  type ReferralFacts,
  type WriteFacts,
  type WritingAuthor,
} from './write-permission';

const NOW = new Date('2026-05-12T12:00:00Z');
const PRACTICE = 'A81001';
const OTHER = 'B82002';
const NURSES = 'RYX';

const person = (role: string, organisation: string): WritingAuthor => ({
  kind: 'person',
  role,
  organisation,
});
const system = (organisation: string, entryTypes: string[]): WritingAuthor => ({
  kind: 'source-system',
  role: 'system',
  organisation,
  entryTypes,
});
const held = (
  organisation: string,
  kind = 'gp-registration',
  changes: Partial<HeldRelationship> = {},
): HeldRelationship => ({ organisation, kind, endedAt: null, expiresAt: null, ...changes });
const write = (type: string, changes: Partial<ProposedWrite> = {}): ProposedWrite => ({
  type,
  payload: {},
  attention: null,
  correction: false,
  ...changes,
});

/** Given the facts, when the author writes, then it is allowed (gaining these) or refused with a code. */
function given(facts: Partial<WriteFacts>) {
  const full: WriteFacts = { relationships: [], ...facts };
  return {
    when: (author: WritingAuthor, proposed: ProposedWrite) => ({
      thenGains: (gains: string[]) =>
        expect(decideWritePermission(author, proposed, full, NOW).gains).toEqual(gains),
      thenRefused: (code: string, field: string) => {
        let caught: unknown;
        try {
          decideWritePermission(author, proposed, full, NOW);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(DomainError);
        expect(caught).toMatchObject({ code, field });
      },
    }),
  };
}

describe('who may write into a record, and who a flag may name', () => {
  describe('authoritative starts: only the organisation’s own source system, registered for the type', () => {
    it.each([
      'RegistrationStarted',
      'CaseOpened',
      'MaternityBookingRecorded',
      'TriageOutcomeRecorded',
      'EdAttendanceRecorded',
      'AmbulanceSeeAndTreatRecorded',
      'OutOfHoursConsultationRecorded',
    ])('%s: the system starts its own organisation’s relationship; a person may not', (type) => {
      given({})
        .when(system(PRACTICE, [type]), write(type))
        .thenGains([PRACTICE]);
      given({})
        .when(system(PRACTICE, ['ConsultationRecorded']), write(type))
        .thenRefused('relationship-start-not-permitted', 'type');
      given({})
        .when(person('gp', PRACTICE), write(type))
        .thenRefused('relationship-start-not-permitted', 'type');
      // Holding a relationship already does not let a person make an authoritative start.
      given({ relationships: [held(PRACTICE)] })
        .when(person('gp', PRACTICE), write(type))
        .thenRefused('relationship-start-not-permitted', 'type');
    });
  });

  describe('hand-overs: only by an organisation that holds a relationship', () => {
    it('adds a team to the care team for a holder, and refuses anyone else', () => {
      const added = write('CareTeamMemberAdded', { payload: { organisation: NURSES } });
      given({ relationships: [held(PRACTICE)] })
        .when(person('gp', PRACTICE), added)
        .thenGains([NURSES]);
      given({ relationships: [held(PRACTICE)] })
        .when(person('community-nurse', NURSES), added)
        .thenRefused('relationship-start-not-permitted', 'type');
      given({ relationships: [held(PRACTICE, 'gp-registration', { endedAt: NOW })] })
        .when(person('gp', PRACTICE), added)
        .thenRefused('relationship-start-not-permitted', 'type');
    });

    it('hands nothing over on a claim: a claim stays the claimant’s own, time-limited and reviewed', () => {
      const claimed = held(OTHER, 'claim', { expiresAt: new Date(NOW.getTime() + 3_600_000) });
      for (const receiver of [OTHER, NURSES])
        given({ relationships: [held(PRACTICE), claimed] })
          .when(
            person('gp', OTHER),
            write('CareTeamMemberAdded', { payload: { organisation: receiver } }),
          )
          .thenRefused('relationship-start-not-permitted', 'type');
      // Nor refers on (the referral's receiver could then accept it without any alert).
      given({ relationships: [held(PRACTICE), claimed] })
        .when(
          person('gp', OTHER),
          write('ReferralMade', { payload: { receivingOrganisation: NURSES } }),
        )
        .thenRefused('relationship-start-not-permitted', 'type');
      given({ relationships: [held(PRACTICE)] })
        .when(
          person('gp', PRACTICE),
          write('ReferralMade', { payload: { receivingOrganisation: NURSES } }),
        )
        .thenGains([]);
      // A claim still lets its organisation write (it is a relationship), just not hand over.
      given({ relationships: [held(PRACTICE), claimed] })
        .when(person('gp', OTHER), write('ConsultationRecorded'))
        .thenGains([]);
    });

    it('transfers a caseload to health visiting only from an active maternity relationship', () => {
      const transfer = write('CaseloadTransferredToHealthVisiting', {
        payload: { healthVisitingOrganisation: 'HV001' },
      });
      given({ relationships: [held('R1H', 'maternity-booking')] })
        .when(person('midwife', 'R1H'), transfer)
        .thenGains(['HV001']);
      given({ relationships: [held('R1H', 'care-team')] })
        .when(person('midwife', 'R1H'), transfer)
        .thenRefused('relationship-start-not-permitted', 'type');
    });

    it('lets only the organisation a current referral names accept it', () => {
      const accept = write('ReferralAccepted');
      const referral: ReferralFacts = {
        entryType: 'ReferralMade',
        status: 'current',
        receivingOrganisation: NURSES,
      };
      given({ relationships: [held(PRACTICE)], referral })
        .when(person('community-nurse', NURSES), accept)
        .thenGains([NURSES]);
      given({ relationships: [held(PRACTICE)], referral })
        .when(person('gp', OTHER), accept)
        .thenRefused('relationship-start-not-permitted', 'type');
      given({
        relationships: [held(PRACTICE)],
        referral: { ...referral, status: 'entered-in-error' },
      })
        .when(person('community-nurse', NURSES), accept)
        .thenRefused('relationship-start-not-permitted', 'type');
    });
  });

  describe('claims: a member of staff, for their own organisation, with a reason and an expiry', () => {
    const claim = (payload: Record<string, unknown> = {}) =>
      write('RelationshipClaimed', {
        payload: {
          organisation: OTHER,
          reason: 'Falls clinic; letter not yet received',
          expiresAt: new Date(NOW.getTime() + 24 * 3_600_000).toISOString(),
          ...payload,
        },
      });
    it('gives the claimant’s organisation a relationship, needing none before', () => {
      given({}).when(person('gp', OTHER), claim()).thenGains([OTHER]);
    });
    it('refuses a claim for another organisation, without a reason or expiry, or by a system, patient or carer', () => {
      given({})
        .when(person('gp', OTHER), claim({ organisation: PRACTICE }))
        .thenRefused('relationship-start-not-permitted', 'type');
      given({})
        .when(person('gp', OTHER), claim({ reason: ' ' }))
        .thenRefused('relationship-start-not-permitted', 'type');
      given({})
        .when(person('gp', OTHER), claim({ expiresAt: NOW.toISOString() }))
        .thenRefused('relationship-start-not-permitted', 'type');
      given({})
        .when(system(OTHER, ['RelationshipClaimed']), claim())
        .thenRefused('relationship-start-not-permitted', 'type');
      for (const role of ['patient', 'carer'])
        given({})
          .when(person(role, OTHER), claim())
          .thenRefused('relationship-start-not-permitted', 'type');
    });
  });

  describe('every other write needs a relationship of the author’s organisation', () => {
    it('refuses an unrelated organisation, a relationship that ended or expired, and allows a claim', () => {
      const visit = write('CareVisitRecorded');
      given({})
        .when(person('care-worker', 'LA0001'), visit)
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
      given({ relationships: [held('LA0001', 'social-care-case', { endedAt: NOW })] })
        .when(person('care-worker', 'LA0001'), visit)
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
      given({ relationships: [held('LA0001', 'urgent-care-encounter', { expiresAt: NOW })] })
        .when(person('care-worker', 'LA0001'), visit)
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
      given({
        relationships: [held('LA0001', 'claim', { expiresAt: new Date(NOW.getTime() + 1) })],
      })
        .when(person('care-worker', 'LA0001'), visit)
        .thenGains([]);
    });

    it('holds source systems to the same rule, and corrections too', () => {
      given({})
        .when(system(PRACTICE, ['ConsultationRecorded']), write('ConsultationRecorded'))
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
      given({})
        .when(
          system(PRACTICE, ['RegistrationStarted']),
          write('RegistrationStarted', { correction: true }),
        )
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
    });

    it('leaves patients and carers to their own rules', () => {
      given({}).when(person('patient', 'NHSLOGIN'), write('HomeReadingRecorded')).thenGains([]);
    });
  });

  describe('flags always reach someone', () => {
    const flagged = (organisation: string) =>
      write('CareVisitRecorded', { attention: { role: 'gp', organisation } });
    it('names an organisation that holds a relationship, or refuses it', () => {
      const facts = { relationships: [held('LA0001', 'social-care-case'), held(PRACTICE)] };
      given(facts).when(person('care-worker', 'LA0001'), flagged(PRACTICE)).thenGains([]);
      for (const nobody of [OTHER, '', 'MADE-UP'])
        given(facts)
          .when(person('care-worker', 'LA0001'), flagged(nobody))
          .thenRefused('attention-recipient-unreachable', 'attention.organisation');
    });

    it('accepts an organisation that gains its relationship by this very entry', () => {
      given({})
        .when(
          system(PRACTICE, ['RegistrationStarted']),
          write('RegistrationStarted', { attention: { role: 'gp', organisation: PRACTICE } }),
        )
        .thenGains([PRACTICE]);
      given({ relationships: [held(PRACTICE)] })
        .when(
          person('gp', PRACTICE),
          write('CareTeamMemberAdded', {
            payload: { organisation: NURSES },
            attention: { role: 'community-nurse', organisation: NURSES },
          }),
        )
        .thenGains([NURSES]);
    });
  });

  describe("children's records", () => {
    const MOTHER = '9434765919';
    const BABY = '9434765870';
    const HEALTH_VISITING = 'HV001';
    const MATERNITY = 'R1H';
    const visitor = person('health-visitor', HEALTH_VISITING);
    const review = (nhsNumber: string, childNhsNumber: string | null = nhsNumber) =>
      write('HealthVisitorReviewRecorded', { nhsNumber, payload: { childNhsNumber } });
    const caseload = { relationships: [held(HEALTH_VISITING, 'health-visiting-caseload')] };

    it('lets the health visiting team holding the family caseload write on the child', () => {
      given({ ...caseload, child: true })
        .when(visitor, review(BABY))
        .thenGains([]);
    });

    it("refuses a health visiting entry on the mother's record, or naming another child", () => {
      given({ ...caseload, child: false })
        .when(visitor, review(MOTHER, BABY))
        .thenRefused('child-record-required', 'patient.nhsNumber');
      given({ ...caseload, child: true })
        .when(visitor, review(BABY, '9434765927'))
        .thenRefused('child-record-required', 'payload.childNhsNumber');
    });

    it('answers a team with no relationship as for any record, before saying whether it is a child’s', () => {
      given({ child: false })
        .when(visitor, review(MOTHER))
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
    });

    it("needs a birth to name the baby's own, new NHS number", () => {
      const booked = { relationships: [held(MATERNITY, 'maternity-booking')] };
      const birth = (babyNhsNumber: unknown) =>
        write('BirthRecorded', { nhsNumber: MOTHER, payload: { babyNhsNumber } });
      given(booked).when(person('midwife', MATERNITY), birth(BABY)).thenGains([]);
      for (const missing of [null, undefined, '', MOTHER])
        given(booked)
          .when(person('midwife', MATERNITY), birth(missing))
          .thenRefused('baby-nhs-number-required', 'payload.babyNhsNumber');
      given({ ...booked, babyHasRecord: true })
        .when(person('midwife', MATERNITY), birth(BABY))
        .thenRefused('baby-record-exists', 'payload.babyNhsNumber');
    });

    it('takes parental responsibility only from the practice registering the child or the council holding its case', () => {
      const recorded = write('ParentalResponsibilityRecorded', {
        nhsNumber: BABY,
        payload: { personNhsNumber: MOTHER },
      });
      given({ relationships: [held(PRACTICE)] })
        .when(person('gp', PRACTICE), recorded)
        .thenGains([]);
      given({ relationships: [held('LA0716', 'social-care-case')] })
        .when(person('social-worker', 'LA0716'), recorded)
        .thenGains([]);
      for (const kind of ['claim', 'health-visiting-caseload', 'care-team'])
        given({ relationships: [held(PRACTICE, kind)] })
          .when(person('gp', PRACTICE), recorded)
          .thenRefused('relationship-kind-required', 'type');
    });
  });

  describe('community pharmacy: a nominated prescription, or a walk-in service from its own system', () => {
    const PHARMACY = 'FA123';
    const issue = (nominatedPharmacy: string | null) =>
      write('MedicationIssued', { payload: { medicationId: 'med-1', nominatedPharmacy } });

    it('a practice sending a prescription to the nominated pharmacy hands it a relationship', () => {
      given({ relationships: [held(PRACTICE)] })
        .when(person('gp', PRACTICE), issue(PHARMACY))
        .thenGains([PHARMACY]);
      // Not sent to any pharmacy: an ordinary write that hands nothing over.
      given({ relationships: [held(PRACTICE)] })
        .when(person('gp', PRACTICE), issue(null))
        .thenGains([]);
    });

    it('only a holder besides a claim may nominate; a pharmacy cannot name itself', () => {
      given({ relationships: [held(PRACTICE, 'claim')] })
        .when(person('gp', PRACTICE), issue(PHARMACY))
        .thenRefused('relationship-start-not-permitted', 'type');
      given({})
        .when(person('pharmacist', PHARMACY), issue(PHARMACY))
        .thenRefused('relationship-start-not-permitted', 'type');
    });

    it('a pharmacist with no relationship may not record a dispensing', () => {
      given({ relationships: [held(PRACTICE)] })
        .when(person('pharmacist', PHARMACY), write('MedicineDispensed'))
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
      given({ relationships: [held(PRACTICE), held(PHARMACY, 'prescription-nomination')] })
        .when(person('pharmacist', PHARMACY), write('MedicineDispensed'))
        .thenGains([]);
      // A nomination that has run out (the prescription expired) no longer lets it write.
      given({
        relationships: [
          held(PHARMACY, 'prescription-nomination', {
            expiresAt: new Date('2026-05-01T00:00:00Z'),
          }),
        ],
      })
        .when(person('pharmacist', PHARMACY), write('MedicineDispensed'))
        .thenRefused('care-relationship-required', 'patient.nhsNumber');
    });

    it.each(['PharmacyConsultationRecorded', 'VaccinationGiven'])(
      '%s: the pharmacy’s own system starts a walk-in relationship; a pharmacist may not',
      (type) => {
        given({})
          .when(system(PHARMACY, [type]), write(type))
          .thenGains([PHARMACY]);
        given({})
          .when(person('pharmacist', PHARMACY), write(type))
          .thenRefused('relationship-start-not-permitted', 'type');
      },
    );
  });
});
