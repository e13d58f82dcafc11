import { randomUUID } from 'node:crypto';
import { DomainError } from '@carelog/domain';
import { loadEventCodec } from './default-codec';
import type { UncheckedRecordEntryEvent as RecordEntryEvent } from './record-entry-event';

const codec = loadEventCodec();

const consultation = (): RecordEntryEvent => ({
  eventId: randomUUID(),
  type: 'ConsultationRecorded',
  schemaVersion: 1,
  patient: { nhsNumber: '9434765919' },
  occurredAt: new Date('2026-03-01T10:00:00.000Z'),
  recordedAt: new Date('2026-03-01T10:05:00.000Z'),
  source: { service: 'gp-records', organisation: 'A81001', system: 'emis-web' },
  author: { userId: 'dr-a', role: 'gp', profession: 'gp', organisation: 'A81001' },
  sensitivity: [],
  attention: { role: 'gp', organisation: 'A81001', reason: 'review result' },
  correlationId: randomUUID(),
  causationId: null,
  supersedes: null,
  payload: {
    narrative: 'Cough, 3/52.',
    codedItems: [{ system: 'http://snomed.info/sct', code: '49727002', display: 'Cough' }],
    consultationMedium: 'telephone',
  },
});

describe('event codec (Avro single-object encoding)', () => {
  it('round-trips an event unchanged', () => {
    const event = consultation();
    expect(codec.decode(codec.encode(event)).event).toEqual(event);
  });

  it('frames every message with C3 01 and the writer schema fingerprint', () => {
    const bytes = codec.encode(consultation());
    const writer = codec.catalogue.current('ConsultationRecorded');
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(bytes.readBigUInt64LE(2).toString(16).padStart(16, '0')).toBe(writer?.fingerprint);
  });

  it('refuses an event that does not match its schema, naming the field', () => {
    const event = { ...consultation(), payload: { narrative: 42 } } as unknown as RecordEntryEvent;
    expect(() => codec.encode(event)).toThrow(
      expect.objectContaining({ code: 'invalid-event', field: 'payload.narrative' }),
    );
  });

  it('refuses an entry type it has no schema for', () => {
    expect(() => codec.encode({ ...consultation(), type: 'Nonsense' })).toThrow(
      expect.objectContaining({ code: 'unknown-entry-type' }),
    );
  });

  it('tells bytes without the marker, and an unknown fingerprint, apart', () => {
    const bytes = codec.encode(consultation());
    expect(() => codec.decode(Buffer.from('{"json":true}'))).toThrow(
      expect.objectContaining({ code: 'not-single-object-encoded' }),
    );
    const unknown = Buffer.from(bytes);
    unknown.writeBigUInt64LE(0x0123456789abcdefn, 2);
    expect(() => codec.decode(unknown)).toThrow(
      expect.objectContaining({ code: 'unknown-writer-schema' }),
    );
    expect(() => codec.decode(bytes.subarray(0, 14))).toThrow(DomainError);
  });
});
