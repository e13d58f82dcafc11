import type { AccessLogEntry, PrivacyOfficerAlert } from '@carelog/audit';
import { loadEventCodec } from '@carelog/codec';
import {
  entryTypesOf,
  isConsentDecisionType,
  PAYLOAD_VOCABULARIES,
  SOURCE_DOMAINS,
  VIEW_ROLES,
  type MedicineState,
} from '@carelog/domain';
import { nullable, objectSchema, type SchemaObject } from '@carelog/nest-platform';
import { entryBodySchema, payloadSchemaOf, type Accepted } from '@carelog/producer';
import type { FamilyLink } from './children/children.controller';
import type { EntryView, RecordPage } from './patient-record/record-query';
import type { TaskList, TaskView } from './tasks/task-board';

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
const roleAtOrganisation: SchemaObject = objectSchema<{ role: string; organisation: string }>({
  role: text,
  organisation: text,
});
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

export const ENTRY_SCHEMA = objectSchema<EntryView>({
  eventId: uuid,
  type: text,
  setting: { type: 'string', enum: [...SOURCE_DOMAINS] },
  occurredAt: time,
  recordedAt: time,
  amendedAt: nullable(time),
  versions: { type: 'integer', minimum: 1 },
  status: { type: 'string', enum: ['current', 'entered-in-error'] },
  source: anyObject,
  author: anyObject,
  sensitivity: { type: 'array', items: text },
  attention: nullable(anyObject),
  payload: anyObject,
});

const nullableCount = nullable({ type: 'integer', minimum: 0 });
const cursor = nullable(text);

export const RECORD_PAGE_SCHEMA = objectSchema<RecordPage>({
  patient: patientRef,
  asAt: nullable(time),
  entries: { type: 'array', items: ENTRY_SCHEMA },
  withheld: nullableCount,
  nextCursor: cursor,
});

/** A journal line: an entry (with its fields), a digest or a fold of near-identical notes. */
const JOURNAL_LINE: SchemaObject = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', enum: ['entry', 'digest', 'fold'] } },
  additionalProperties: true,
};

export const JOURNAL_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['patient', 'view', 'asAt', 'since', 'narrative', 'sections', 'expanded', 'nextCursor'],
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
        properties: { section: text, entries: { type: 'array', items: JOURNAL_LINE } },
      },
    },
    expanded: { type: 'object', additionalProperties: { type: 'array', items: anyObject } },
    nextCursor: cursor,
    withheld: nullableCount,
  },
};

export const MARK_SCHEMA = objectSchema<{ mark: string | null }>({ mark: nullable(time) });

const version: SchemaObject = {
  type: 'object',
  required: ['eventId', 'type', 'setting', 'occurredAt', 'recordedAt', 'payload'],
  properties: {
    ...ENTRY_SCHEMA.properties,
    supersedesReason: nullable(text),
  },
};

export const HISTORY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['entry', 'versions'],
  properties: { entry: ENTRY_SCHEMA, versions: { type: 'array', items: version } },
};

const medicine = objectSchema<MedicineState>({
  medicationId: text,
  medication: nullable(anyObject),
  dosageInstructions: nullable(text),
  status: { type: 'string', enum: ['current', 'stopped'] },
  latestPrescription: nullable(anyObject),
  stopped: nullable(anyObject),
  history: { type: 'array', items: anyObject },
});

export const MEDICINES_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['patient', 'current', 'stopped'],
  properties: {
    patient: patientRef,
    current: { type: 'array', items: medicine },
    stopped: { type: 'array', items: medicine },
  },
};

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
  objectSchema<{ reason: string; expiresAt: Date }>({ reason: text, expiresAt: time }),
);

const access = objectSchema<AccessLogEntry>(
  {
    seq: { type: 'integer' },
    accessId: uuid,
    occurredAt: time,
    actor,
    action: text,
    outcome: text,
    entriesShown: nullableCount,
    breakGlass: reasonUntil,
    basis: nullable(text),
    claim: reasonUntil,
    review: nullable(anyObject),
  },
  ['review'],
);

export const ACCESS_LOG_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['patient', 'accesses'],
  properties: { patient: patientRef, accesses: { type: 'array', items: access } },
};

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

const task = objectSchema<TaskView>({
  id: text,
  nhsNumber,
  entry: anyObject,
  reason: nullable(text),
  urgency: nullable({ type: 'string', enum: ['urgent', 'routine'] }),
  recipient: roleAtOrganisation,
  status: text,
  flaggedAt: time,
  nextEscalationAt: nullable(time),
  escalation: nullable(anyObject),
  acknowledgement: nullable(anyObject),
});

export const TASK_LIST_SCHEMA = objectSchema<TaskList>({
  tasks: { type: 'array', items: task },
  withheld: { type: 'integer', minimum: 0 },
  nextCursor: cursor,
});

export const TASK_WITH_STEPS_SCHEMA: SchemaObject = {
  ...task,
  required: [...(task.required ?? []), 'steps'],
  properties: {
    ...task.properties,
    steps: {
      type: 'array',
      items: {
        type: 'object',
        required: ['step', 'at', 'eventId'],
        properties: {
          step: { type: 'string', enum: ['flagged', 'escalated', 'acknowledged'] },
          at: time,
          eventId: uuid,
        },
      },
    },
  },
};

export const ALERT_SCHEMA = objectSchema<PrivacyOfficerAlert>({
  accessId: uuid,
  kind: text,
  occurredAt: time,
  actor,
  nhsNumber,
  outcome: text,
  reason: nullable(text),
  expiresAt: nullable(time),
  acknowledgement: nullable(anyObject),
});

export const ALERTS_SCHEMA = objectSchema<{ alerts: PrivacyOfficerAlert[] }>({
  alerts: { type: 'array', items: ALERT_SCHEMA },
});

export const RECONSTRUCTION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['patient', 'reader', 'asAt', 'view', 'access', 'shown', 'audited'],
  properties: {
    patient: patientRef,
    reader: actor,
    asAt: time,
    view: { type: 'string', enum: ['record', 'journal'] },
    access: anyObject,
    shown: nullable(anyObject),
    audited: { type: 'array', items: anyObject },
  },
};

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

const catalogue = loadEventCodec().catalogue;

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

export const SEAL_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['sealedFrom'],
  properties: {
    sealed: { type: 'boolean', default: true, description: 'false lifts the seal' },
    sealedFrom: payloadSchemaOf(catalogue, 'EntrySealed').properties?.['sealedFrom'] ?? anyObject,
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
