import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Schema } from 'avsc';
import type { UncheckedRecordEntryEvent } from './record-entry-event';
import { fromJsonValue, payloadFromJson } from './json-values';
import type { SchemaVersion } from './schema-catalogue';

/**
 * Golden vectors: for every version of every event type, one example message as bytes and as
 * JSON, frozen once written, so that a consumer in any language can test its decoder.
 *
 * The JSON is the decoded value as plain JSON: timestamp-millis fields as epoch milliseconds,
 * unions unwrapped (null, or the value itself).
 */
export interface GoldenVector {
  schemaFile: string;
  fingerprint: string;
  event: Record<string, unknown>;
  singleObjectHex: string;
}

/** A request body for POST /v1/entries, kept per entry type in schemas/examples/. */
export interface EntryExample {
  patient: { nhsNumber: string };
  type: string;
  occurredAt: string;
  payload: Record<string, unknown>;
  sensitivity?: string[];
  attention?: { role: string; organisation: string; reason: string | null } | null;
}

export const goldenVectorPath = (
  schemasDir: string,
  version: SchemaVersion,
  extension: 'json' | 'bin',
): string => join(schemasDir, 'golden', version.file.replace(/\.avsc$/, `.${extension}`));

export const examplePath = (schemasDir: string, version: SchemaVersion): string =>
  join(schemasDir, 'examples', version.file.replace(/\.v\d+\.avsc$/, '.json'));

export function readExample(schemasDir: string, version: SchemaVersion): EntryExample | undefined {
  const path = examplePath(schemasDir, version);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as EntryExample) : undefined;
}

/** An analytics event's example: the whole event as JSON (schemas/examples/analytics/). */
export function readAnalyticsExample(
  schemasDir: string,
  version: SchemaVersion,
): Record<string, unknown> | undefined {
  const path = examplePath(schemasDir, version);
  if (!existsSync(path)) return undefined;
  return fromJsonValue(version.avroType, JSON.parse(readFileSync(path, 'utf8')), '') as Record<
    string,
    unknown
  >;
}

const fixedUuid = (seed: string): string => {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** The fixed envelope golden vectors use around an example's own fields. */
export function goldenEvent(
  version: SchemaVersion,
  example: EntryExample,
): UncheckedRecordEntryEvent {
  return {
    eventId: fixedUuid(`${version.type}.v${version.version}`),
    type: version.type,
    schemaVersion: version.version,
    patient: example.patient,
    occurredAt: new Date(example.occurredAt),
    recordedAt: new Date('2026-06-01T12:00:00.000Z'),
    source: {
      service: `${version.domain}-service`,
      organisation: 'A81001',
      system: 'golden-vector',
    },
    author: { userId: 'golden-author', role: 'gp', profession: 'gp', organisation: 'A81001' },
    sensitivity: example.sensitivity ?? [],
    attention: example.attention ?? null,
    correlationId: fixedUuid(`${version.type}.correlation`),
    causationId: null,
    supersedes: null,
    payload: payloadFromJson(version.avroType, example.payload),
  };
}

/** The version's schema without logical-type mapping: values exactly as Avro writes them. */
export const plainType = (schemasDir: string, version: SchemaVersion): Type =>
  Type.forSchema(JSON.parse(readFileSync(join(schemasDir, version.file), 'utf8')) as Schema);

/** A decoded value as plain JSON (Dates to epoch milliseconds, Buffers to hex). */
export function toPlainJson(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, toPlainJson(inner)]),
    );
  }
  return value;
}
