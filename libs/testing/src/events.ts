import { randomUUID } from 'node:crypto';
import {
  loadEventCodec,
  readExample,
  schemasDir,
  type UncheckedRecordEntryEvent,
} from '@carelog/codec';

export interface ExampleEventOptions {
  nhsNumber: string;
  organisation?: string;
  recordedAt?: Date;
  occurredAt?: Date;
  payload?: Record<string, unknown>;
  supersedes?: { eventId: string; reason: string } | null;
  sensitivity?: string[];
  attention?: UncheckedRecordEntryEvent['attention'];
  author?: Partial<UncheckedRecordEntryEvent['author']>;
}

/**
 * An example payload moved back in time for an entry recorded at `recordedAt`: its date-times
 * and full-dates that would lie after the recording (the 2026 examples in an entry recorded
 * earlier), which the producers' date rules refuse, become the entry's clinical time.
 */
export function datedBefore(value: unknown, recordedAt: Date, occurredAt: Date): unknown {
  if (value instanceof Date) return value > recordedAt ? occurredAt : value;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))
    return value > recordedAt.toISOString().slice(0, 10)
      ? occurredAt.toISOString().slice(0, 10)
      : value;
  if (Array.isArray(value)) return value.map((item) => datedBefore(item, recordedAt, occurredAt));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        datedBefore(inner, recordedAt, occurredAt),
      ]),
    );
  return value;
}

/** A valid event of `type`, from its example in schemas/examples, with a fresh id. */
export function exampleEvent(
  type: string,
  options: ExampleEventOptions,
): UncheckedRecordEntryEvent {
  const codec = loadEventCodec();
  const current = codec.catalogue.current(type);
  const example = current && readExample(schemasDir, current);
  if (!current || !example) throw new Error(`no example for ${type}`);
  const organisation = options.organisation ?? 'A81001';
  const recordedAt = options.recordedAt ?? new Date();
  const occurredAt = options.occurredAt ?? new Date(recordedAt.getTime() - 60_000);
  const event = codec.fromJson({
    eventId: randomUUID(),
    type,
    schemaVersion: current.version,
    patient: { nhsNumber: options.nhsNumber },
    occurredAt,
    recordedAt,
    source: { service: `${current.domain}-service`, organisation, system: 'test' },
    author: {
      userId: 'test-author',
      role: 'gp',
      profession: 'gp',
      organisation,
      ...options.author,
    },
    sensitivity: options.sensitivity ?? example.sensitivity ?? [],
    attention: options.attention === undefined ? (example.attention ?? null) : options.attention,
    correlationId: randomUUID(),
    causationId: null,
    supersedes: options.supersedes ?? null,
    payload: options.payload ?? example.payload,
  });
  return options.payload
    ? event
    : {
        ...event,
        payload: datedBefore(event.payload, recordedAt, occurredAt) as Record<string, unknown>,
      };
}
