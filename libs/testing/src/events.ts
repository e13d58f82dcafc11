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
  return codec.fromJson({
    eventId: randomUUID(),
    type,
    schemaVersion: current.version,
    patient: { nhsNumber: options.nhsNumber },
    occurredAt: options.occurredAt ?? new Date(recordedAt.getTime() - 60_000),
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
}
