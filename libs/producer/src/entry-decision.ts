import { createHash } from 'node:crypto';
import type { AnyCaller } from '@carelog/auth';
import type { UncheckedRecordEntryEvent } from '@carelog/codec';
import {
  checkClinicalTime,
  DomainError,
  HOME_BP_RULES,
  entryTypeRule,
  isRole,
  isStaffRole,
  parseDateTime,
  parseNhsNumber,
  parseSensitivity,
  parseText,
  type EntryTypeRule,
  type Escalation,
  type HomeReadingFlag,
  type SourceDomain,
} from '@carelog/domain';
import { authorOf, requireMayAuthor, type EntryAuthor } from './relationships/entry-author';
import { correctionAttention } from './relationships/correction-attention';

export interface SubmitEntryCommand {
  body: unknown;
  idempotencyKey: string | undefined;
  caller: AnyCaller;
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

/** What a producer remembers of an entry it published: enough to correct it. */
export interface PublishedEntryFacts {
  eventId: string;
  organisation: string;
  entryType: string;
  nhsNumber: string;
  occurredAt: Date;
  sensitivity: string[];
  /** The entry's flag as it stands (its current version), kept by a correction unless resolved. */
  attention?: UncheckedRecordEntryEvent['attention'];
}

export interface CorrectEntryCommand extends SubmitEntryCommand {
  /** The entry to correct, or null when this producer never published it. */
  original: PublishedEntryFacts | null;
}

export const ENTERED_IN_ERROR_TYPE = 'EntryEnteredInError';
const MAX_REASON_LENGTH = 2000;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The event id is derived from who asked and their Idempotency-Key, so a retried request
 * names the same event however many times it arrives.
 */
export function eventIdFor(
  caller: Pick<EntryAuthor, 'organisation' | 'userId'>,
  idempotencyKey: string,
): string {
  const hash = createHash('sha256')
    .update(`${caller.organisation}\u0000${caller.userId}\u0000${idempotencyKey}`)
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50; // version 5 layout (name-based)
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function requireIdempotencyKey(value: string | undefined): string {
  const key = value?.trim();
  if (!key || key.length > 200) {
    throw new DomainError(
      'missing-idempotency-key',
      'an Idempotency-Key header (1-200 characters) is required',
      'Idempotency-Key',
    );
  }
  return key;
}

function requireObject(value: unknown, field: string, code: string): Record<string, unknown> {
  if (!isObject(value)) throw new DomainError(code, 'must be a JSON object', field);
  return value;
}

/** When it happened: RFC 3339, from 1900 to now (allowing for clock skew). */
function parseClinicalTime(value: unknown, now: Date): Date {
  const occurredAt = parseDateTime(value, 'occurredAt', undefined, {
    invalid: 'invalid-clinical-time',
    outOfRange: 'clinical-time-out-of-range',
  });
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
  const role = value['role'];
  if (!isRole(role) || !isStaffRole(role) || role === 'privacy-officer') {
    throw new DomainError(
      'invalid-attention',
      'must name a care role that can act (gp, practice-nurse, care-worker, ...)',
      'attention.role',
    );
  }
  const reason = value['reason'];
  if (reason !== undefined && reason !== null && typeof reason !== 'string')
    throw new DomainError('invalid-attention', 'must be text', 'attention.reason');
  return {
    role,
    organisation: parseText(value['organisation'], 'attention.organisation', 'text', 20),
    reason:
      typeof reason === 'string'
        ? parseText(reason, 'attention.reason', 'free-text', MAX_REASON_LENGTH)
        : null,
  };
}

function schemaVersion(context: ProducerContext, type: string): number {
  const version = context.schemaVersionOf(type);
  if (version === undefined)
    throw new DomainError('unknown-entry-type', `no schema for ${type}`, 'type');
  return version;
}

type EventFields = Pick<
  UncheckedRecordEntryEvent,
  'type' | 'patient' | 'occurredAt' | 'sensitivity' | 'attention' | 'supersedes' | 'payload'
>;

/** The envelope every producer stamps: who and where from the token, when from the clock. */
function stamp(
  fields: EventFields,
  caller: EntryAuthor,
  key: string,
  context: ProducerContext,
  causationId: string | null = null,
): UncheckedRecordEntryEvent {
  return {
    eventId: eventIdFor(caller, key),
    schemaVersion: schemaVersion(context, fields.type),
    recordedAt: context.now,
    source: { service: context.service, organisation: caller.organisation, system: caller.system },
    author: {
      userId: caller.userId,
      role: caller.role,
      profession: caller.profession,
      organisation: caller.organisation,
    },
    correlationId: context.correlationId,
    causationId,
    ...fields,
  };
}

/** Turns a request to record an entry into the event to publish, or says what is wrong. */
export function decideEntry(
  command: SubmitEntryCommand,
  context: ProducerContext,
): UncheckedRecordEntryEvent {
  const { caller } = command;
  const key = requireIdempotencyKey(command.idempotencyKey);
  const body = requireObject(command.body, 'body', 'invalid-body');
  const rule = context.entryTypes.find((candidate) => candidate.type === body['type']);
  if (!rule || context.schemaVersionOf(rule.type) === undefined) {
    const accepted = context.entryTypes;
    throw new DomainError(
      'unknown-entry-type',
      `must be one of ${accepted.map((candidate) => candidate.type).join(', ')}`,
      'type',
    );
  }
  requireMayAuthor(rule, caller);
  const patient = isObject(body['patient']) ? body['patient'] : {};
  return stamp(
    {
      type: rule.type,
      patient: { nhsNumber: parseNhsNumber(patient['nhsNumber']) },
      occurredAt: parseClinicalTime(body['occurredAt'], context.now),
      sensitivity: parseSensitivity(body['sensitivity']),
      attention: parseAttention(body['attention']),
      supersedes: null,
      payload: requireObject(body['payload'], 'payload', 'invalid-payload'),
    },
    authorOf(caller),
    key,
    context,
  );
}

/**
 * A correction of an entry this service published, by the organisation that wrote it:
 * `amended` republishes the entry's type with `supersedes` set; `entered-in-error` publishes
 * EntryEnteredInError. Nothing is deleted; the history keeps every version.
 */
export function decideCorrection(
  command: CorrectEntryCommand,
  context: ProducerContext,
): UncheckedRecordEntryEvent {
  const { caller, original } = command;
  const key = requireIdempotencyKey(command.idempotencyKey);
  if (!original)
    throw new DomainError(
      'entry-not-found',
      'no entry with that id was recorded through this service',
      'eventId',
    );
  if (original.organisation !== caller.organisation) {
    throw new DomainError(
      'not-authoring-organisation',
      'only the organisation that recorded an entry may correct it',
      'eventId',
    );
  }
  const body = requireObject(command.body, 'body', 'invalid-body');
  const given = body['reason'];
  if (typeof given !== 'string' || given.trim() === '') {
    throw new DomainError(
      'invalid-correction-reason',
      `must say why, in 1 to ${MAX_REASON_LENGTH} characters`,
      'reason',
    );
  }
  const reason = parseText(given, 'reason', 'free-text', MAX_REASON_LENGTH);
  const rule = entryTypeRule(original.entryType);
  if (!rule)
    throw new DomainError(
      'unknown-entry-type',
      `no authoring rule for ${original.entryType}`,
      'type',
    );
  requireMayAuthor(rule, caller);
  const author = authorOf(caller);
  const common = {
    patient: { nhsNumber: original.nhsNumber },
    attention: correctionAttention(body, original, parseAttention(body['attention'])),
  };
  switch (body['kind']) {
    case 'amended':
      return stamp(
        {
          ...common,
          type: original.entryType,
          occurredAt: original.occurredAt,
          sensitivity:
            body['sensitivity'] === undefined
              ? original.sensitivity
              : parseSensitivity(body['sensitivity']),
          supersedes: { eventId: original.eventId, reason },
          payload: requireObject(body['payload'], 'payload', 'invalid-payload'),
        },
        author,
        key,
        context,
      );
    case 'entered-in-error':
      return stamp(
        {
          ...common,
          // It takes the entry out of the record and withdraws its task: nobody is asked to act.
          attention: null,
          type: ENTERED_IN_ERROR_TYPE,
          occurredAt: context.now,
          // The correction carries the original's sensitivity, so it is seen only where the entry was.
          sensitivity: original.sensitivity,
          supersedes: null,
          payload: { entryEventId: original.eventId, entryType: original.entryType, reason },
        },
        author,
        key,
        context,
      );
    default:
      throw new DomainError(
        'invalid-correction-kind',
        'must be "amended" or "entered-in-error"',
        'kind',
      );
  }
}

/** The flagged entry an attention task is about, as the read model holds it. */
export interface FlaggedEntryFacts {
  taskId: string;
  nhsNumber: string;
  entryType: string;
  /** Where the flagged entry was published: its task steps follow it there. */
  domain: SourceDomain;
  sensitivity: string[];
}

export const ACKNOWLEDGED_TYPE = 'AttentionAcknowledged';
export const ESCALATED_TYPE = 'AttentionEscalated';
const MAX_NOTE_LENGTH = 2000;

/** The escalator writes as the service itself, never as a person. */
export const TASK_ESCALATOR = {
  userId: 'carelog-task-escalator',
  role: 'system',
  profession: 'system',
  system: 'carelog-record-api',
} as const;

/**
 * Someone the task is addressed to acknowledges it (the record API has checked that). The
 * step carries the entry's sensitivity, so it is seen only where the entry was.
 */
export function decideAcknowledgement(
  command: SubmitEntryCommand & { task: FlaggedEntryFacts },
  context: ProducerContext,
): UncheckedRecordEntryEvent {
  const { caller, task } = command;
  const key = requireIdempotencyKey(command.idempotencyKey);
  const body = command.body === undefined || command.body === null ? {} : command.body;
  const given = requireObject(body, 'body', 'invalid-body')['note'];
  if (given !== undefined && given !== null && typeof given !== 'string')
    throw new DomainError(
      'invalid-note',
      `must be text of at most ${MAX_NOTE_LENGTH} characters`,
      'note',
    );
  const note =
    typeof given === 'string' ? parseText(given, 'note', 'free-text', MAX_NOTE_LENGTH) : null;
  const rule = entryTypeRule(ACKNOWLEDGED_TYPE);
  if (rule) requireMayAuthor(rule, caller);
  return stamp(
    {
      type: ACKNOWLEDGED_TYPE,
      patient: { nhsNumber: task.nhsNumber },
      occurredAt: context.now,
      sensitivity: task.sensitivity,
      attention: null,
      supersedes: null,
      payload: { entryEventId: task.taskId, entryType: task.entryType, note },
    },
    authorOf(caller),
    key,
    context,
    task.taskId,
  );
}

/**
 * An escalation the policy says is due. Its event id follows from the task and the level,
 * so however many escalator instances see it due, it is one event.
 */
export function decideEscalation(
  task: FlaggedEntryFacts & { recipientOrganisation: string },
  escalation: Escalation,
  context: ProducerContext,
): UncheckedRecordEntryEvent {
  return stamp(
    {
      type: ESCALATED_TYPE,
      patient: { nhsNumber: task.nhsNumber },
      occurredAt: context.now,
      sensitivity: task.sensitivity,
      attention: null,
      supersedes: null,
      payload: {
        entryEventId: task.taskId,
        entryType: task.entryType,
        level: escalation.level,
        unacknowledgedSeconds: Math.floor(escalation.unacknowledgedMs / 1000),
        escalatedTo: escalation.escalatedTo,
      },
    },
    { ...TASK_ESCALATOR, organisation: task.recipientOrganisation },
    `escalation:${task.taskId}:${escalation.level}`,
    context,
    task.taskId,
  );
}

/** The home-reading rules write as the service itself, never as a person. */
export const HOME_READING_RULES = {
  userId: 'carelog-home-reading-rules',
  role: 'system',
  profession: 'system',
  system: 'carelog-record-api',
} as const;
export const HOME_READINGS_FLAGGED_TYPE = 'HomeReadingsFlagged';

/**
 * A task the home-reading rules found (HomeReadingFlag), for the patient's registered practice's
 * GPs, on the patient topic. Its id follows from the patient and the rule's key alone (not the
 * practice, nor when it was found), so one reading or run gives one task however often it is
 * evaluated, replayed or rebuilt.
 */
export function decideHomeReadingFlag(
  nhsNumber: string,
  practice: string,
  flag: HomeReadingFlag,
  context: ProducerContext,
): UncheckedRecordEntryEvent {
  const event = stamp(
    {
      type: HOME_READINGS_FLAGGED_TYPE,
      patient: { nhsNumber },
      occurredAt: context.now,
      sensitivity: [],
      attention: { role: 'gp', organisation: practice, reason: flag.reason },
      supersedes: null,
      payload: {
        rule: flag.rule,
        urgency: flag.urgency,
        guidance: HOME_BP_RULES.guidance,
        readings: flag.readings,
        summary: flag.summary,
      },
    },
    { ...HOME_READING_RULES, organisation: practice },
    flag.key,
    context,
    flag.readings.at(-1) ?? null,
  );
  return {
    ...event,
    eventId: eventIdFor(
      { organisation: HOME_READING_RULES.system, userId: HOME_READING_RULES.userId },
      `${nhsNumber}:${flag.key}`,
    ),
  };
}
