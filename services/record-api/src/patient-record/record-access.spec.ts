import type { Caller } from '@carelog/auth';
import { mayReadPatient } from './record-access';

const NHS = '9434765919';
const OTHER = '9434765870';
const gp: Caller = {
  userId: 'u1',
  role: 'gp',
  profession: 'gp',
  organisation: 'A81001',
  system: 'test',
};

describe('who may read a patient (deny by default)', () => {
  it('lets the patient read their own record', () => {
    expect(mayReadPatient({ ...gp, role: 'patient', nhsNumber: NHS }, NHS, [])).toBe(true);
  });

  it('does not let a patient read another patient', () => {
    expect(mayReadPatient({ ...gp, role: 'patient', nhsNumber: OTHER }, NHS, [])).toBe(false);
  });

  it('lets staff of an organisation with an active relationship read', () => {
    expect(mayReadPatient(gp, NHS, [{ organisation: 'A81001', endedAt: null }])).toBe(true);
  });

  it("refuses staff with no relationship, or only another organisation's", () => {
    expect(mayReadPatient(gp, NHS, [])).toBe(false);
    expect(mayReadPatient(gp, NHS, [{ organisation: 'B82002', endedAt: null }])).toBe(false);
  });

  it('refuses staff whose relationship has ended', () => {
    expect(
      mayReadPatient(gp, NHS, [{ organisation: 'A81001', endedAt: new Date('2026-01-01') }]),
    ).toBe(false);
  });

  it('refuses privacy officers, who review access logs but not records', () => {
    expect(
      mayReadPatient({ ...gp, role: 'privacy-officer' }, NHS, [
        { organisation: 'A81001', endedAt: null },
      ]),
    ).toBe(false);
  });

  it('refuses carers until carer approvals exist', () => {
    expect(
      mayReadPatient({ ...gp, role: 'carer', nhsNumber: NHS }, NHS, [
        { organisation: 'A81001', endedAt: null },
      ]),
    ).toBe(false);
  });
});
