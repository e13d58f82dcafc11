import {
  checkEncodedSize,
  MAX_ENCODED_BYTES,
  validateRecordEntry,
  type EnvelopeToValidate,
} from './entry-validation';

const recordedAt = new Date('2026-05-01T12:00:00Z');
const valid: EnvelopeToValidate = {
  patient: { nhsNumber: '9434765919' },
  occurredAt: new Date('2026-05-01T11:00:00Z'),
  recordedAt,
  sensitivity: ['safeguarding'],
};

describe('domain validation beyond the schema', () => {
  it('accepts a valid envelope', () => {
    expect(() => validateRecordEntry(valid)).not.toThrow();
  });

  it.each([
    [
      'an NHS number failing modulus 11',
      { patient: { nhsNumber: '9434765918' } },
      'invalid-nhs-number',
      'patient.nhsNumber',
    ],
    [
      'an NHS number whose check digit would be 10',
      { patient: { nhsNumber: '0000000060' } },
      'invalid-nhs-number',
      'patient.nhsNumber',
    ],
    [
      'an NHS number of 9 digits',
      { patient: { nhsNumber: '943476591' } },
      'invalid-nhs-number',
      'patient.nhsNumber',
    ],
    [
      'a clinical time beyond the clock skew',
      { occurredAt: new Date('2026-05-01T12:06:00Z') },
      'clinical-time-in-future',
      'occurredAt',
    ],
    [
      'an invalid clinical time',
      { occurredAt: new Date('not a date') },
      'invalid-clinical-time',
      'occurredAt',
    ],
    [
      'a sensitivity category not on the list',
      { sensitivity: ['safeguarding', 'vip'] },
      'unknown-sensitivity-category',
      'sensitivity[1]',
    ],
  ])('refuses %s', (_case, change, code, field) => {
    expect(() => validateRecordEntry({ ...valid, ...change })).toThrow(
      expect.objectContaining({ code, field }),
    );
  });

  it('allows a clinical time within the clock skew', () => {
    expect(() =>
      validateRecordEntry({ ...valid, occurredAt: new Date('2026-05-01T12:04:59Z') }),
    ).not.toThrow();
  });

  it('refuses an encoded entry over the size limit, and accepts one at it', () => {
    expect(() => checkEncodedSize(MAX_ENCODED_BYTES)).not.toThrow();
    expect(() => checkEncodedSize(MAX_ENCODED_BYTES + 1)).toThrow(
      expect.objectContaining({ code: 'event-too-large', field: 'payload' }),
    );
  });
});
