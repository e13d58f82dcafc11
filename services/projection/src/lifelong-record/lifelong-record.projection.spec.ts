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
    });
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
