import { checkClinicalTime, DomainError, parseNhsNumber, parseSensitivity } from '@carelog/domain';

/** The largest encoded event the platform accepts (well under Kafka's 1 MiB message limit). */
export const MAX_ENCODED_BYTES = 256 * 1024;

export interface EnvelopeToValidate {
  patient: { nhsNumber: string };
  occurredAt: Date;
  recordedAt: Date;
  sensitivity: readonly string[];
}

/**
 * The rules the Avro schema cannot express. Time is judged against the event's own
 * recordedAt, so a replay years later reaches the same verdict as the first read.
 */
export function validateRecordEntry(event: EnvelopeToValidate): void {
  parseNhsNumber(event.patient.nhsNumber);
  checkClinicalTime(event.occurredAt, event.recordedAt);
  parseSensitivity(event.sensitivity);
}

export function checkEncodedSize(bytes: number): void {
  if (bytes > MAX_ENCODED_BYTES) {
    throw new DomainError(
      'event-too-large',
      `the encoded entry is ${bytes} bytes; the limit is ${MAX_ENCODED_BYTES}`,
      'payload',
    );
  }
}
