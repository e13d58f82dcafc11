import {
  ACCESS_ACTIONS,
  ALERT_KINDS,
  ALERT_OUTCOMES,
  type AccessLogEntry,
  type PrivacyOfficerAlert,
} from '@carelog/audit';
import { loadEventCodec } from '@carelog/codec';
import {
  ACCESS_BASES,
  DIGEST_PERIODS,
  ENTRY_TYPE_NAMES,
  entryTypesOf,
  MEDICINE_ENTRY_TYPES,
  isConsentDecisionType,
  PAYLOAD_VOCABULARIES,
  ROUTINE_TYPES,
  SECTION_NAMES,
  SOURCE_DOMAINS,
  VIEW_ROLES,
  WAITING_FOR_CARE_TEAM,
  type CodedMedicine,
  type DigestLine,
  type FoldLine,
  type JournalTaskStatus,
  type LatestPrescription,
  type MedicineHistoryItem,
  type MedicineState,
} from '@carelog/domain';
import { nullable, objectSchema, schemaComponent, type SchemaObject } from '@carelog/nest-platform';
import { entryBodySchema, payloadSchemaOf, type Accepted } from '@carelog/producer';
import type { FamilyLink } from './children/children.controller';
import type { JournalEntryView } from './patient-record/patient-record.controller';
import type { MedicinesAnswer } from './medicines/medicines.controller';
import type {
  EntryHistory,
  EntryView,
  RecordPage,
  VersionView,
} from './patient-record/record-query';
import type { ReconstructedPage, Reconstruction } from './privacy/privacy.controller';
import type { TaskList, TaskStep, TaskView } from './tasks/task-board';

/** The record API's answers as OpenAPI schemas, each checked against the type it describes. */

const text: SchemaObject = { type: 'string' };
/** Free text of 1 to 2,000 characters, not blank (requiredText in route-input.ts). */
export const REQUIRED_TEXT_SCHEMA: SchemaObject = {
  type: 'string',
  format: 'free-text',
  minLength: 1,
  maxLength: 2000,
  pattern: '\\S',
};
const time: SchemaObject = { type: 'string', format: 'date-time' };
const uuid: SchemaObject = { type: 'string', format: 'uuid' };
const nhsNumber: SchemaObject = { type: 'string', pattern: '^\\d{10}$', format: 'nhs-number' };
const anyObject: SchemaObject = { type: 'object', additionalProperties: true };
const patientRef = objectSchema<{ nhsNumber: string }>({ nhsNumber });
const roleAtOrganisation = objectSchema<{ role: string; organisation: string }>(
  { role: text, organisation: text },
  [],
  { additionalProperties: false },
);
const actor: SchemaObject = objectSchema<{ userId: string; role: string; organisation: string }>({
  userId: text,
  role: text,
  organisation: text,
});

export const ACCEPTED_SCHEMA = objectSchema<Accepted>({
  eventId: uuid,
  topic: text,
  partition: { type: 'integer', minimum: 0 },
  offset: { type: 'string', pattern: '^\\d+$' },
});

const catalogue = loadEventCodec().catalogue;

/** What an object schema allows besides its own properties: nothing. */
const closed = { additionalProperties: false } as const;

/** A held test result's payload as a patient or carer sees it (heldResultPayload). */
export const HELD_RESULT_PAYLOAD_SCHEMA = objectSchema<{
  status: string;
  label: string;
  message: string;
}>({ status: { type: 'string', enum: [WAITING_FOR_CARE_TEAM] }, label: text, message: text }, [], {
  ...closed,
  description: 'A result held until the care team has reviewed it',
});

/**
 * An entry type's payload as the API answers it: as recorded (payloadSchemaOf, from the type's
 * current Avro schema, which the read model's payloads are decoded with); a held result as its
 * placeholder; the correction of a held result, in its history, as an empty object.
 */
function answeredPayloadSchema(type: string): SchemaObject {
  const recorded = payloadSchemaOf(catalogue, type);
  switch (type) {
    case 'TestResultRecorded':
      return { oneOf: [recorded, HELD_RESULT_PAYLOAD_SCHEMA] };
    case 'EntryEnteredInError':
      return {
        oneOf: [
          recorded,
          {
            type: 'object',
            ...closed,
            maxProperties: 0,
            description: "A held result's correction, whose reason waits with it",
          },
        ],
      };
    default:
      return recorded;
  }
}

/** Each entry type with the payload it carries; one document component, referred to by every entry. */
const TYPE_AND_PAYLOAD = schemaComponent('EntryTypeAndPayload', {
  description:
    'The `type` of an entry says which payload it carries (schemas/<folder>/<type>.v<N>.avsc)',
  oneOf: ENTRY_TYPE_NAMES.map((type) => ({
    type: 'object',
    title: type,
    required: ['type', 'payload'],
    properties: {
      type: { type: 'string', enum: [type] },
      payload: answeredPayloadSchema(type),
    },
  })),
});

/** What every view of an entry shows (shownOf in record-query.ts); its payload as its type says. */
const shownFields = {
  eventId: uuid,
  type: { type: 'string', enum: [...ENTRY_TYPE_NAMES] },
  setting: { type: 'string', enum: [...SOURCE_DOMAINS] },
  occurredAt: time,
  recordedAt: time,
  source: objectSchema<EntryView['source']>(
    { service: text, organisation: text, system: text },
    [],
    closed,
  ),
  author: objectSchema<EntryView['author']>(
    { userId: text, role: text, profession: text, organisation: text },
    [],
    closed,
  ),
  sensitivity: { type: 'array', items: text },
  attention: nullable(
    objectSchema<NonNullable<EntryView['attention']>>(
      { role: text, organisation: text, reason: nullable(text) },
      [],
      closed,
    ),
  ),
  payload: { type: 'object' },
} satisfies Record<keyof VersionView & keyof EntryView, SchemaObject>;

/** An entry in its current version, with what only the current version has. */
const currentFields = {
  ...shownFields,
  amendedAt: nullable(time),
  versions: { type: 'integer', minimum: 1 },
  status: { type: 'string', enum: ['current', 'entered-in-error'] },
} satisfies Record<keyof EntryView, SchemaObject>;

const typed = { ...closed, allOf: [TYPE_AND_PAYLOAD] };

export const ENTRY_SCHEMA = objectSchema<EntryView>(currentFields, [], typed);

const nullableCount = nullable({ type: 'integer', minimum: 0 });
const cursor = nullable(text);

export const RECORD_PAGE_SCHEMA = objectSchema<RecordPage>({
  patient: patientRef,
  asAt: nullable(time),
  entries: { type: 'array', items: ENTRY_SCHEMA },
  withheld: nullableCount,
  nextCursor: cursor,
});

/** Where the task of a flagged entry stands (JournalTasks). */
const journalTask = objectSchema<JournalTaskStatus>(
  {
    status: { type: 'string', enum: ['open', 'acknowledged', 'withdrawn'] },
    recipient: roleAtOrganisation,
    flaggedAt: time,
    acknowledged: nullable(
      objectSchema<NonNullable<JournalTaskStatus['acknowledged']>>(
        { at: time, by: { ...actor, ...closed } },
        [],
        closed,
      ),
    ),
    escalated: nullable(
      objectSchema<NonNullable<JournalTaskStatus['escalated']>>(
        { level: { type: 'integer', minimum: 1 }, at: time, to: roleAtOrganisation },
        [],
        closed,
      ),
    ),
  },
  [],
  closed,
);

const journalEntryFields = {
  ...currentFields,
  flagged: { type: 'array', items: text },
  task: journalTask,
} satisfies Record<keyof JournalEntryView, SchemaObject>;

/** An entry a digest or fold line expands into (journalOf's asView). */
const JOURNAL_ENTRY = objectSchema<JournalEntryView>(journalEntryFields, ['task'], typed);

const journalEntryLine = objectSchema<JournalEntryView & { kind: 'entry' }>(
  { kind: { type: 'string', enum: ['entry'] }, ...journalEntryFields },
  ['task'],
  typed,
);

const count = { type: 'integer', minimum: 1 } as const;

const digestLine = objectSchema<DigestLine>(
  {
    kind: { type: 'string', enum: ['digest'] },
    id: text,
    entryType: { type: 'string', enum: [...ROUTINE_TYPES] },
    period: { type: 'string', enum: [...DIGEST_PERIODS] },
    count,
    from: time,
    to: time,
    alsoShown: { type: 'integer', minimum: 0 },
    summary: text,
  },
  [],
  closed,
);

const foldLine = objectSchema<FoldLine>(
  {
    kind: { type: 'string', enum: ['fold'] },
    id: text,
    entryType: { type: 'string', enum: [...ENTRY_TYPE_NAMES] },
    team: text,
    count,
    from: time,
    to: time,
    text,
    summary: text,
  },
  [],
  closed,
);

/** A journal line: an entry (with its fields), a digest of routine entries or a fold of near-identical notes. */
const JOURNAL_LINE: SchemaObject = { oneOf: [journalEntryLine, digestLine, foldLine] };

export const JOURNAL_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['patient', 'view', 'asAt', 'since', 'narrative', 'sections', 'expanded', 'nextCursor'],
  ...closed,
  properties: {
    patient: patientRef,
    view: { type: 'string', enum: [...VIEW_ROLES] },
    asAt: nullable(time),
    since: nullable(time),
    narrative: { type: 'array', items: JOURNAL_LINE },
    sections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['section', 'entries'],
        ...closed,
        properties: {
          section: { type: 'string', enum: [...SECTION_NAMES] },
          entries: { type: 'array', items: JOURNAL_LINE },
        },
      },
    },
    expanded: {
      type: 'object',
      description: 'The entries of each digest or fold line asked for (`expand`), by its id',
      additionalProperties: { type: 'array', items: JOURNAL_ENTRY },
    },
    nextCursor: cursor,
    withheld: nullableCount,
  },
};

export const MARK_SCHEMA = objectSchema<{ mark: string | null }>({ mark: nullable(time) });

const version = objectSchema<VersionView>(
  { ...shownFields, supersedesReason: nullable(text) },
  [],
  typed,
);

export const HISTORY_SCHEMA = objectSchema<EntryHistory>(
  { entry: ENTRY_SCHEMA, versions: { type: 'array', items: version } },
  [],
  closed,
);

const medicine = objectSchema<MedicineState>(
  {
    medicationId: text,
    medication: nullable(
      objectSchema<CodedMedicine>({ system: text, code: text, display: text }, [], closed),
    ),
    dosageInstructions: nullable(text),
    status: { type: 'string', enum: ['current', 'stopped'] },
    latestPrescription: nullable(
      objectSchema<LatestPrescription>(
        {
          stage: { type: 'string', enum: ['prescribed', 'issued', 'dispensed'] },
          prescribedEventId: nullable(uuid),
          prescribedAt: nullable(time),
          issuedEventId: nullable(uuid),
          issuedAt: nullable(time),
          nominatedPharmacy: nullable(text),
          dispensedEventId: nullable(uuid),
          dispensedAt: nullable(time),
          dispensedBy: nullable(text),
        },
        [],
        closed,
      ),
    ),
    stopped: nullable(
      objectSchema<NonNullable<MedicineState['stopped']>>({ at: time, reason: text }, [], closed),
    ),
    history: {
      type: 'array',
      items: objectSchema<MedicineHistoryItem>(
        {
          eventId: uuid,
          type: { type: 'string', enum: [...MEDICINE_ENTRY_TYPES] },
          occurredAt: time,
          organisation: text,
          dosageInstructions: nullable(text),
          reason: nullable(text),
        },
        [],
        closed,
      ),
    },
  },
  [],
  closed,
);

export const MEDICINES_SCHEMA = objectSchema<MedicinesAnswer>(
  {
    patient: patientRef,
    current: { type: 'array', items: medicine },
    stopped: { type: 'array', items: medicine },
  },
  [],
  closed,
);

export const BREAK_GLASS_SCHEMA = objectSchema<{ grantId: string; expiresAt: string }>({
  grantId: text,
  expiresAt: time,
});

export const CLAIM_SCHEMA: SchemaObject = {
  ...ACCEPTED_SCHEMA,
  required: [...(ACCEPTED_SCHEMA.required ?? []), 'expiresAt'],
  properties: { ...ACCEPTED_SCHEMA.properties, expiresAt: time },
};

const reasonUntil = nullable(
  objectSchema<{ reason: string; expiresAt: Date }>({ reason: text, expiresAt: time }, [], closed),
);

/** The actor as stored with an access event or alert: exactly these three fields. */
const storedActor: SchemaObject = { ...actor, ...closed };

/** A privacy officer's reconstruction (reason, reader, asAt) or acknowledgement (note, alertId, outcome). */
const review = objectSchema<NonNullable<AccessLogEntry['review']>>(
  {
    reason: nullable(text),
    reader: nullable(storedActor),
    asAt: nullable(time),
    alertId: nullable(uuid),
    outcome: nullable(text),
  },
  [],
  closed,
);

const access = objectSchema<AccessLogEntry>(
  {
    seq: { type: 'integer' },
    accessId: uuid,
    occurredAt: time,
    actor: storedActor,
    action: { type: 'string', enum: [...ACCESS_ACTIONS] },
    outcome: { type: 'string', enum: ['allowed', 'denied'] },
    entriesShown: nullableCount,
    breakGlass: reasonUntil,
    basis: nullable(text),
    claim: reasonUntil,
    review: nullable(review),
  },
  [],
  closed,
);

export const ACCESS_LOG_SCHEMA = objectSchema<{
  patient: { nhsNumber: string };
  accesses: AccessLogEntry[];
}>({ patient: patientRef, accesses: { type: 'array', items: access } }, [], closed);

export const FAMILY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['patient', 'links'],
  properties: {
    patient: patientRef,
    links: {
      type: 'array',
      items: objectSchema<FamilyLink>({
        nhsNumber,
        relation: { type: 'string', enum: ['mother', 'child'] },
        bornAt: time,
      }),
    },
  },
};

const task = objectSchema<TaskView>(
  {
    id: text,
    nhsNumber,
    entry: objectSchema<TaskView['entry']>(
      {
        eventId: uuid,
        type: { type: 'string', enum: [...ENTRY_TYPE_NAMES] },
        setting: { type: 'string', enum: [...SOURCE_DOMAINS] },
        occurredAt: time,
        organisation: text,
      },
      [],
      closed,
    ),
    reason: nullable(text),
    urgency: nullable({ type: 'string', enum: ['urgent', 'routine'] }),
    recipient: roleAtOrganisation,
    status: { type: 'string', enum: ['open', 'acknowledged', 'withdrawn'] },
    flaggedAt: time,
    nextEscalationAt: nullable(time),
    escalation: nullable(
      objectSchema<NonNullable<TaskView['escalation']>>(
        {
          level: { type: 'integer', minimum: 1 },
          escalatedAt: time,
          escalatedTo: roleAtOrganisation,
        },
        [],
        closed,
      ),
    ),
    acknowledgement: nullable(
      objectSchema<NonNullable<TaskView['acknowledgement']>>(
        { at: time, by: { ...actor, ...closed } },
        [],
        closed,
      ),
    ),
  },
  [],
  closed,
);

export const TASK_LIST_SCHEMA = objectSchema<TaskList>(
  {
    tasks: { type: 'array', items: task },
    withheld: { type: 'integer', minimum: 0 },
    nextCursor: cursor,
  },
  [],
  closed,
);

type StepOf<Name extends TaskStep['step']> = Extract<TaskStep, { step: Name }>;
const stepName = (name: TaskStep['step']): SchemaObject => ({ type: 'string', enum: [name] });

export const TASK_WITH_STEPS_SCHEMA: SchemaObject = {
  ...task,
  required: [...(task.required ?? []), 'steps'],
  properties: {
    ...task.properties,
    steps: {
      type: 'array',
      items: {
        oneOf: [
          objectSchema<StepOf<'flagged'>>(
            { step: stepName('flagged'), at: time, eventId: uuid, by: roleAtOrganisation },
            [],
            closed,
          ),
          objectSchema<StepOf<'escalated'>>(
            {
              step: stepName('escalated'),
              at: time,
              eventId: uuid,
              level: { type: 'integer', minimum: 1 },
              escalatedTo: roleAtOrganisation,
            },
            [],
            closed,
          ),
          objectSchema<StepOf<'acknowledged'>>(
            {
              step: stepName('acknowledged'),
              at: time,
              eventId: uuid,
              by: { ...actor, ...closed },
              note: nullable(text),
            },
            [],
            closed,
          ),
        ],
      },
    },
  },
};

export const ALERT_SCHEMA = objectSchema<PrivacyOfficerAlert>(
  {
    accessId: uuid,
    kind: { type: 'string', enum: [...ALERT_KINDS] },
    occurredAt: time,
    actor: storedActor,
    nhsNumber,
    outcome: { type: 'string', enum: ['allowed', 'denied'] },
    reason: nullable(text),
    expiresAt: nullable(time),
    acknowledgement: nullable(
      objectSchema<NonNullable<PrivacyOfficerAlert['acknowledgement']>>(
        {
          at: time,
          by: storedActor,
          outcome: { type: 'string', enum: [...ALERT_OUTCOMES] },
          note: nullable(text),
        },
        [],
        closed,
      ),
    ),
  },
  [],
  closed,
);

export const ALERTS_SCHEMA = objectSchema<{ alerts: PrivacyOfficerAlert[] }>(
  { alerts: { type: 'array', items: ALERT_SCHEMA } },
  [],
  closed,
);

/** The record page a reconstruction shows: the page less its patient and asAt. */
const reconstructedPage = objectSchema<ReconstructedPage>(
  {
    entries: { type: 'array', items: ENTRY_SCHEMA },
    withheld: nullableCount,
    nextCursor: cursor,
  },
  [],
  { ...closed, title: 'record' },
);

type AuditedRead = Reconstruction['audited'][number];

export const RECONSTRUCTION_SCHEMA = objectSchema<Reconstruction>(
  {
    patient: patientRef,
    reader: storedActor,
    asAt: time,
    view: { type: 'string', enum: ['record', 'journal'] },
    access: {
      oneOf: [
        objectSchema<{ allowed: false }>(
          { allowed: { type: 'boolean', enum: [false] } },
          [],
          closed,
        ),
        objectSchema<Extract<Reconstruction['access'], { allowed: true }>>(
          {
            allowed: { type: 'boolean', enum: [true] },
            basis: { type: 'string', enum: [...ACCESS_BASES] },
          },
          [],
          closed,
        ),
      ],
    },
    shown: {
      description:
        'The record page (view record) or the journal (view journal); null when the reader was refused then',
      oneOf: [
        reconstructedPage,
        { ...JOURNAL_SCHEMA, title: 'journal' },
        { type: 'object', nullable: true, enum: [null], title: 'refused' },
      ],
    },
    audited: {
      type: 'array',
      items: objectSchema<AuditedRead>(
        {
          accessId: uuid,
          occurredAt: time,
          action: { type: 'string', enum: [...ACCESS_ACTIONS] },
          entriesShown: nullableCount,
        },
        [],
        closed,
      ),
    },
  },
  [],
  closed,
);

/** FHIR resources are described by FHIR R4 itself; here, only what every resource has. */
export const FHIR_RESOURCE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['resourceType'],
  properties: { resourceType: text },
  additionalProperties: true,
};

export const FHIR_BUNDLE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['resourceType', 'type'],
  properties: {
    resourceType: { type: 'string', enum: ['Bundle'] },
    type: text,
    entry: { type: 'array', items: anyObject },
  },
  additionalProperties: true,
};

/** What patients and carers contribute (POST contributions): the patient topic's own entries. */
export const CONTRIBUTION_TYPES = entryTypesOf('patient')
  .filter(
    (rule) =>
      !isConsentDecisionType(rule.type) &&
      rule.authors.some((author) => author === 'patient' || author === 'carer'),
  )
  .map((rule) => rule.type);

/** An entry as POST /v1/entries takes it, less what the route fills in (patient; occurredAt: now). */
function contributionSchema(type: string): SchemaObject {
  const body = entryBodySchema(catalogue, type);
  return {
    ...body,
    required: ['type', 'payload'],
    properties: {
      ...body.properties,
      patient: { type: 'object', description: 'ignored: the path names the patient' },
    },
  };
}

export const CONTRIBUTION_SCHEMA: SchemaObject = {
  oneOf: CONTRIBUTION_TYPES.map(contributionSchema),
};

export const OPT_OUT_TYPES = PAYLOAD_VOCABULARIES['OptOutRecorded.optOutType'] ?? [];

export const OPT_OUT_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    effective: { type: 'boolean', default: true, description: 'false withdraws the opt-out' },
  },
};

/** A field of an entry type's payload schema; a schema without it is a mistake in this file. */
function payloadField(type: string, field: string): SchemaObject {
  const schema = payloadSchemaOf(catalogue, type).properties?.[field];
  if (schema === undefined) throw new Error(`${type} has no payload field ${field}`);
  return schema as SchemaObject;
}

export const SEAL_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['sealedFrom'],
  properties: {
    sealed: { type: 'boolean', default: true, description: 'false lifts the seal' },
    sealedFrom: payloadField('EntrySealed', 'sealedFrom'),
  },
};

const carerApproval = payloadSchemaOf(catalogue, 'CarerApproved');
const approvalFields = Object.fromEntries(
  Object.entries(carerApproval.properties ?? {}).filter(([field]) => field !== 'carerUserId'),
);

/** Approve a carer (the CarerApproved payload; the carer from the path) or revoke (approved: false). */
export const CARER_SCHEMA: SchemaObject = {
  oneOf: [
    {
      type: 'object',
      title: 'approve',
      additionalProperties: false,
      required: (carerApproval.required ?? []).filter((field) => field !== 'carerUserId'),
      properties: {
        approved: { type: 'boolean', enum: [true] },
        reason: nullable({ ...text, description: 'ignored on approval' }),
        ...approvalFields,
      },
    },
    {
      type: 'object',
      title: 'revoke',
      additionalProperties: false,
      required: ['approved'],
      properties: {
        approved: { type: 'boolean', enum: [false] },
        reason: nullable(REQUIRED_TEXT_SCHEMA),
      },
    },
  ],
};
