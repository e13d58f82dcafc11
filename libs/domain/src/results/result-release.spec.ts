import { DomainError } from '../domain-error';
import {
  decideResultRelease,
  heldResultPayload,
  isHeldResultPayload,
  resultReleasePolicyFrom,
} from './result-release';
import { RESULT_RELEASE_POLICY } from './result-release-policy';

const recordedAt = new Date('2026-05-12T09:00:00Z');
const hours = (n: number) => new Date(recordedAt.getTime() + n * 3_600_000);
const policy = resultReleasePolicyFrom(RESULT_RELEASE_POLICY, {
  CARELOG_RESULT_RELEASE_AFTER_SECONDS: String(72 * 3600),
});
const result = (interpretation: string, display = 'NT-proBNP level') => ({
  test: { system: 'http://snomed.info/sct', code: '1033191000000107', display },
  value: '1240',
  interpretation,
});

const given = (payload: Record<string, unknown>, reviewedAt: Date | null = null) => ({
  at: (now: Date) =>
    decideResultRelease({ payload, versionRecordedAt: recordedAt, reviewedAt }, policy, now),
});

describe('results release policy', () => {
  it('given a normal result, then it is released at once', () => {
    expect(given(result('normal')).at(recordedAt)).toEqual({ released: true, by: 'normal' });
  });

  it('given an abnormal result, then it waits for the care team until the policy time', () => {
    expect(given(result('abnormal')).at(hours(71))).toEqual({
      released: false,
      label: 'Test result',
    });
    expect(given(result('abnormal')).at(hours(72))).toEqual({ released: true, by: 'time' });
  });

  it('given a critical result or an interpretation outside the vocabulary, then it waits too', () => {
    expect(given(result('critical')).at(hours(1)).released).toBe(false);
    expect(given(result('H')).at(hours(1)).released).toBe(false);
  });

  it('given an abnormal result reviewed by a clinician, then it is released at the review', () => {
    expect(given(result('abnormal'), hours(2)).at(hours(1)).released).toBe(false);
    expect(given(result('abnormal'), hours(2)).at(hours(2))).toEqual({
      released: true,
      by: 'review',
    });
  });

  it('given a review recorded before the version it would release (an amendment), then it does not release it', () => {
    expect(given(result('abnormal'), hours(-1)).at(hours(1)).released).toBe(false);
  });

  it('given an HIV, histology or genetic result, then it waits for a review however long it takes, even when normal', () => {
    for (const display of ['HIV 1 and 2 antibody', 'Skin biopsy histology', 'BRCA1 genetic test']) {
      expect(given(result('normal', display)).at(hours(24 * 365)).released).toBe(false);
      expect(given(result('normal', display), hours(3)).at(hours(3)).released).toBe(true);
    }
    expect(given(result('normal', 'HIV 1 and 2 antibody')).at(hours(1))).toEqual({
      released: false,
      label: 'Blood test result',
    });
  });

  it('shows a held result as a placeholder without test, value or interpretation', () => {
    const placeholder = heldResultPayload('Test result');
    expect(isHeldResultPayload(placeholder)).toBe(true);
    expect(JSON.stringify(placeholder)).not.toMatch(/1240|abnormal|NT-proBNP/);
    expect(placeholder['message']).toContain('waiting for your care team');
  });

  it('refuses a release time that is not a positive number', () => {
    expect(() =>
      resultReleasePolicyFrom(RESULT_RELEASE_POLICY, { CARELOG_RESULT_RELEASE_AFTER_SECONDS: '0' }),
    ).toThrow(DomainError);
    expect(resultReleasePolicyFrom(RESULT_RELEASE_POLICY, {}).releaseAfterSeconds).toBe(
      7 * 24 * 3600,
    );
  });
});
