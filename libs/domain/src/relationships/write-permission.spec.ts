import { DomainError } from '../domain-error';
import {
  decideWritePermission,
  type HeldRelationship,
  type ProposedWrite,
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
      const referral = {
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

  describe('claims: a member of staff, for their own organisation, with a reason', () => {
    const claim = (
      organisation: string,
      reason: unknown = 'Falls clinic referral, letter awaited',
    ) => write('RelationshipClaimed', { payload: { organisation, reason } });

    it('gives the claimant’s own organisation a relationship', () => {
      given({}).when(person('gp', OTHER), claim(OTHER)).thenGains([OTHER]);
    });

    it('refuses a claim for another organisation, without a reason, by a system, a patient or a privacy officer', () => {
      const refused = 'relationship-start-not-permitted';
      given({}).when(person('gp', OTHER), claim(PRACTICE)).thenRefused(refused, 'type');
      given({}).when(person('gp', OTHER), claim(OTHER, '  ')).thenRefused(refused, 'type');
      given({}).when(person('gp', OTHER), claim(OTHER, null)).thenRefused(refused, 'type');
      given({})
        .when(system(OTHER, ['RelationshipClaimed']), claim(OTHER))
        .thenRefused(refused, 'type');
      given({}).when(person('patient', OTHER), claim(OTHER)).thenRefused(refused, 'type');
      given({}).when(person('privacy-officer', OTHER), claim(OTHER)).thenRefused(refused, 'type');
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
});
