import { createHash } from 'node:crypto';
import type { Caller } from '@carelog/auth';
import type { UncheckedRecordEntryEvent } from '@carelog/codec';
import {
  checkClinicalTime,
  DomainError,
  parseNhsNumber,
  parseSensitivity,
  type EntryTypeRule,
  type SourceDomain,
} from '@carelog/domain';

export interface SubmitEntryCommand {
  body: unknown;
  idempotencyKey: string | undefined;
  caller: Caller;
}

export interface ProducerContext {
  service: string;
  domain: SourceDomain;
  entryTypes: readonly EntryTypeRule[];
  /** Current schema version per entry type. */
  schemaVersionOf(type: string): number | undefined;
  now: Date;
  correlationId: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The event id is derived from who asked and their Idempotency-Key, so a retried request
 * names the same event however many times it arrives.
 */
export function eventIdFor(caller: Caller, idempotencyKey: string): string {
  const hash = createHash('sha256')
    .update(`${caller.organisation}\u0000${caller.userId}\u0000${idempotencyKey}`)
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50; // version 5 layout (name-based)
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseClinicalTime(value: unknown, now: Date): Date {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new DomainError('invalid-clinical-time', 'must be an ISO 8601 date-time', 'occurredAt');
  }
  const occurredAt = new Date(value);
  checkClinicalTime(occurredAt, now);
  return occurredAt;
}

function parseAttention(value: unknown): UncheckedRecordEntryEvent['attention'] {
  if (value === undefined || value === null) return null;
  if (
    !isObject(value) ||
    typeof value['role'] !== 'string' ||
    typeof value['organisation'] !== 'string'
  ) {
    throw new DomainError(
      'invalid-attention',
      'must name the role and organisation that must act',
      'attention',
    );
  }
  const reason = value['reason'];
  return {
    role: value['role'],
    organisation: value['organisation'],
    reason: typeof reason === 'string' ? reason : null,
  };
}

/** Turns a request to record an entry into the event to publish, or says what is wrong. */
export function decideEntry(
  command: SubmitEntryCommand,
  context: ProducerContext,
): UncheckedRecordEntryEvent {
  const { body, caller } = command;
  const key = command.idempotencyKey?.trim();
  if (!key || key.length > 200) {
    throw new DomainError(
      'missing-idempotency-key',
      'an Idempotency-Key header (1-200 characters) is required',
      'Idempotency-Key',
    );
  }
  if (!isObject(body))
    throw new DomainError('invalid-body', 'the body must be a JSON object', 'body');
  const type = body['type'];
  const rule = context.entryTypes.find((candidate) => candidate.type === type);
  const schemaVersion = typeof type === 'string' ? context.schemaVersionOf(type) : undefined;
  if (!rule || schemaVersion === undefined) {
    throw new DomainError(
      'unknown-entry-type',
      `must be one of ${context.entryTypes.map((candidate) => candidate.type).join(', ')}`,
      'type',
    );
  }
  if (!rule.authors.includes(caller.role)) {
    throw new DomainError(
      'not-permitted-to-author',
      `the ${caller.role} role may not record ${rule.type}`,
      'type',
    );
  }
  const patient = isObject(body['patient']) ? body['patient'] : {};
  const nhsNumber = parseNhsNumber(patient['nhsNumber']);
  const occurredAt = parseClinicalTime(body['occurredAt'], context.now);
  if (!isObject(body['payload']))
    throw new DomainError('invalid-payload', 'must be an object', 'payload');
  return {
    eventId: eventIdFor(caller, key),
    type: rule.type,
    schemaVersion,
    patient: { nhsNumber },
    occurredAt,
    recordedAt: context.now,
    source: { service: context.service, organisation: caller.organisation, system: caller.system },
    author: {
      userId: caller.userId,
      role: caller.role,
      profession: caller.profession,
      organisation: caller.organisation,
    },
    sensitivity: parseSensitivity(body['sensitivity']),
    attention: parseAttention(body['attention']),
    correlationId: context.correlationId,
    causationId: null,
    supersedes: null,
    payload: body['payload'],
  };
}
