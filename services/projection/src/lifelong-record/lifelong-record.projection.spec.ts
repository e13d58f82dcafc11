import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import { exampleEvent } from '@carelog/testing';
import { maternityDischargeGraceHours, planEvents } from './lifelong-record.projection';

const codec = loadEventCodec();
/** As the projection receives it: decoded from the wire. */
const received = (event: UncheckedRecordEntryEvent) => codec.decode(codec.encode(event)).event;

const position = (domain: string) => ({
  topic: `carelog.${domain}.record-entries.v1`,
  partition: 0,
  offset: '0',
});

describe('what relationship events do to the read model', () => {
  it('ends the maternity service’s access only after the grace period on a discharge', () => {
    const occurredAt = new Date('2026-05-12T09:00:00.000Z');
    const discharge = exampleEvent('MaternityDischargeRecorded', {
      nhsNumber: '9434765919',
      organisation: 'R1H',
      occurredAt,
    });
    const [planned] = planEvents(
      [{ event: received(discharge), position: position('maternity') }],
      48,
    );
    expect(planned?.effects).toContainEqual({
      kind: 'relationship-end',
      organisation: 'R1H',
      relationship: 'maternity-booking',
      graceUntil: new Date(occurredAt.getTime() + 48 * 3_600_000),
      // The family's caseload: the mother's babies lose the midwife with her.
      forChildren: true,
    });
  });

  it("creates the baby's record from a birth naming its NHS number, and nothing from one naming none", () => {
    const birthTime = new Date('2026-04-20T03:12:00.000Z');
    const birth = exampleEvent('BirthRecorded', { nhsNumber: '9434765919', organisation: 'R1H' });
    const named = {
      ...birth,
      payload: { ...birth.payload, babyNhsNumber: '9434765870', birthTime },
    };
    const [planned] = planEvents([{ event: received(named), position: position('maternity') }]);
    expect(planned?.effects).toEqual([
      { kind: 'new-entry' },
      {
        kind: 'birth',
        child: '9434765870',
        bornAt: birthTime,
        inherits: ['maternity-booking', 'health-visiting-caseload'],
      },
    ]);
    const unnamed = { ...birth, payload: { ...birth.payload, babyNhsNumber: null } };
    const [none] = planEvents([{ event: received(unnamed), position: position('maternity') }]);
    expect(none?.effects).toEqual([{ kind: 'new-entry' }]);
  });

  it("keeps parental responsibility and the child's decision as state of the child's record", () => {
    const plan = (type: string) =>
      planEvents([
        {
          event: received(exampleEvent(type, { nhsNumber: '9434765870', organisation: 'A81001' })),
          position: position('patient'),
        },
      ])[0]?.effects;
    expect(plan('ParentalResponsibilityRecorded')).toEqual([
      { kind: 'new-entry' },
      expect.objectContaining({
        kind: 'parental-responsibility',
        person: '9434765919',
        active: true,
      }),
    ]);
    expect(plan('ParentalResponsibilityEnded')).toEqual([
      { kind: 'new-entry' },
      expect.objectContaining({
        kind: 'parental-responsibility',
        person: '9434765919',
        active: false,
      }),
    ]);
    expect(plan('ParentalAccessDecided')).toEqual([
      expect.objectContaining({
        kind: 'consent',
        subject: 'parental-access:9434765919',
        active: true,
      }),
    ]);
  });

  it('starts a caseload transfer for the mother’s children under 5 too', () => {
    const occurredAt = new Date('2026-05-12T09:00:00.000Z');
    const transfer = exampleEvent('CaseloadTransferredToHealthVisiting', {
      nhsNumber: '9434765919',
      organisation: 'R1H',
      occurredAt,
    });
    const [planned] = planEvents([{ event: received(transfer), position: position('maternity') }]);
    const start = planned?.effects.find((effect) => effect.kind === 'relationship-start');
    expect(start).toMatchObject({ relationship: 'health-visiting-caseload' });
    expect(start && 'forChildrenBornAfter' in start ? start.forChildrenBornAfter : null).toEqual(
      new Date(occurredAt.getTime() - 5 * 365.25 * 24 * 3_600_000),
    );
  });

  it('gives the accepting organisation a referral relationship of its own', () => {
    const accepted = exampleEvent('ReferralAccepted', {
      nhsNumber: '9434765919',
      organisation: 'RY8DN',
    });
    const [planned] = planEvents([{ event: received(accepted), position: position('patient') }]);
    expect(planned?.effects).toContainEqual(
      expect.objectContaining({
        kind: 'relationship-start',
        organisation: 'RY8DN',
        relationship: 'referral',
      }),
    );
  });

  it('gives a nominated pharmacy a relationship until the prescription expires, and no one else', () => {
    const occurredAt = new Date('2026-05-12T09:00:00.000Z');
    const issue = (nominatedPharmacy: string | null) =>
      exampleEvent('MedicationIssued', {
        nhsNumber: '9434765919',
        organisation: 'A81001',
        occurredAt,
        payload: {
          medication: { system: 'https://dmd.nhs.uk', code: '318135001', display: 'Amlodipine' },
          quantity: '28 tablet',
          issueNumber: 1,
          prescriptionEventId: null,
          medicationId: 'med-1',
          nominatedPharmacy,
        },
      });
    const [nominated, notSent] = planEvents([
      { event: received(issue('FA123')), position: position('gp') },
      { event: received(issue(null)), position: position('gp') },
    ]);
    expect(nominated?.effects).toContainEqual({
      kind: 'relationship-start',
      organisation: 'FA123',
      relationship: 'prescription-nomination',
      expiresAt: new Date(occurredAt.getTime() + 183 * 24 * 3_600_000),
    });
    expect(notSent?.effects).toEqual([{ kind: 'new-entry' }]);
  });

  it('reads the grace period from its setting, two weeks unless set, and refuses a bad one', () => {
    expect(maternityDischargeGraceHours(undefined)).toBe(336);
    expect(maternityDischargeGraceHours('24')).toBe(24);
    expect(() => maternityDischargeGraceHours('soon')).toThrow(/GRACE_HOURS/);
    expect(() => maternityDischargeGraceHours('-1')).toThrow(/GRACE_HOURS/);
  });
});
