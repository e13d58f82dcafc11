import {
  payloadJsonSchema,
  readExample,
  type EntryExample,
  type SchemaCatalogue,
} from '@carelog/codec';
import { isStaffRole, ROLES, SENSITIVITY_CATEGORIES, type EntryTypeRule } from '@carelog/domain';
import { entryToFhir } from '@carelog/fhir';
import { objectSchema } from '@carelog/nest-platform';
import type { Accepted } from './producer.module';
import type {
  ExamplesObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** Who may send an entry type that starts a relationship (docs/architecture.md, "Legitimate relationships"). */
function provenanceNote(rule: EntryTypeRule): { description?: string } {
  switch (rule.relationship?.provenance?.way) {
    case 'authoritative':
      return {
        description:
          "Starts a care relationship: accepted only from the organisation's own source system (a source-system token registered for this type); a person gets 403 relationship-start-not-permitted.",
      };
    case 'hand-over':
      return {
        description:
          'A hand-over: accepted only from an organisation that holds an active care relationship with the patient; it gives one to the organisation it names.',
      };
    default:
      return {};
  }
}

const ATTENTION_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'Someone who must act on this entry: it becomes a task for them. The organisation must hold, or by this entry gain, a care relationship with the patient (else 422 attention-recipient-unreachable)',
  required: ['role', 'organisation'],
  properties: {
    // The care roles that can act (parseAttention in entry-decision.ts).
    role: {
      type: 'string',
      enum: ROLES.filter((role) => isStaffRole(role) && role !== 'privacy-officer'),
    },
    organisation: { type: 'string', format: 'text', maxLength: 20, description: 'ODS code' },
    reason: { type: 'string', format: 'free-text', nullable: true },
  },
};

/** The payload of an entry type as a request carries it (payloadJsonSchema, from its Avro schema). */
export function payloadSchemaOf(catalogue: SchemaCatalogue, type: string): SchemaObject {
  const current = catalogue.current(type);
  return current ? (payloadJsonSchema(current.avroType, type) as SchemaObject) : { type: 'object' };
}

/** The request body of one entry type, as POST /v1/entries takes it. */
export function entryBodySchema(catalogue: SchemaCatalogue, type: string): SchemaObject {
  return {
    type: 'object',
    title: type,
    required: ['patient', 'type', 'occurredAt', 'payload'],
    additionalProperties: false,
    properties: {
      patient: {
        type: 'object',
        required: ['nhsNumber'],
        additionalProperties: false,
        properties: {
          nhsNumber: {
            type: 'string',
            pattern: '^\\d{10}$',
            format: 'nhs-number',
            description: '10 digits, modulus 11 check digit',
          },
        },
      },
      type: { type: 'string', enum: [type], description: 'The entry type' },
      occurredAt: {
        type: 'string',
        format: 'date-time',
        description: 'Clinical time; not in the future',
      },
      payload: payloadSchemaOf(catalogue, type),
      sensitivity: { type: 'array', items: { type: 'string', enum: [...SENSITIVITY_CATEGORIES] } },
      attention: { ...ATTENTION_SCHEMA, nullable: true },
    },
  };
}

/** The OpenAPI request body of POST /v1/entries: every accepted type, and an example of each. */
export function entryRequestDocs(
  catalogue: SchemaCatalogue,
  schemasDir: string,
  rules: readonly EntryTypeRule[],
): { schema: SchemaObject; examples: ExamplesObject } {
  const examples: ExamplesObject = {};
  for (const rule of rules) {
    const current = catalogue.current(rule.type);
    const example: EntryExample | undefined = current && readExample(schemasDir, current);
    if (example)
      examples[rule.type] = {
        summary: (current?.avroType as { doc?: string }).doc ?? rule.type,
        ...provenanceNote(rule),
        value: example,
      };
  }
  const schema: SchemaObject = {
    oneOf: rules.map((rule) => entryBodySchema(catalogue, rule.type)),
    description:
      'An entry: its `type` says which payload it carries (schemas/<folder>/<type>.v<N>.avsc)',
  };
  return { schema, examples };
}

export const correctionRequestDocs: { schema: SchemaObject; examples: ExamplesObject } = {
  schema: {
    type: 'object',
    required: ['kind', 'reason'],
    properties: {
      kind: { type: 'string', enum: ['amended', 'entered-in-error'] },
      reason: {
        type: 'string',
        format: 'free-text',
        description: 'Why, as the author would say it',
      },
      payload: {
        type: 'object',
        description: 'For amended: the whole corrected payload of the original entry type',
      },
      sensitivity: { type: 'array', items: { type: 'string', enum: [...SENSITIVITY_CATEGORIES] } },
      concernResolved: {
        type: 'boolean',
        description:
          'For amended: true says the concern a flag raised is resolved, so the flag and its task are withdrawn; otherwise the amendment keeps the entry’s flag and its task',
      },
      attention: {
        type: 'object',
        description:
          'For amended: flag the entry (again, or for someone else); the organisation named must hold a care relationship with the patient',
        properties: {
          role: { type: 'string' },
          organisation: { type: 'string' },
          reason: { type: 'string', format: 'free-text' },
        },
      },
    },
  },
  examples: {
    'entered-in-error': {
      value: { kind: 'entered-in-error', reason: 'Recorded in the wrong patient record.' },
    },
    'amended, flag kept': {
      value: {
        kind: 'amended',
        reason: 'The laboratory re-issued the value.',
        payload: {
          test: {
            system: 'http://snomed.info/sct',
            code: '1000651000000109',
            display: 'Serum potassium',
          },
          value: '6.6',
          unit: 'mmol/L',
          referenceRange: '3.5-5.3',
          interpretation: 'critical',
          narrative: null,
        },
      },
    },
    'amended, concern resolved': {
      value: {
        kind: 'amended',
        reason: 'Repeat sample normal: haemolysed first sample.',
        concernResolved: true,
        payload: {
          test: {
            system: 'http://snomed.info/sct',
            code: '1000651000000109',
            display: 'Serum potassium',
          },
          value: '4.9',
          unit: 'mmol/L',
          referenceRange: '3.5-5.3',
          interpretation: 'normal',
          narrative: null,
        },
      },
    },
  },
};

/** Where a recorded entry is (acceptedOf): these four fields, nothing more. */
export const acceptedResponse: SchemaObject = objectSchema<Accepted>(
  {
    eventId: { type: 'string', format: 'uuid' },
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'string' },
  },
  [],
  { additionalProperties: false },
);

/**
 * The OpenAPI example of POST /fhir/R4: a transaction Bundle of this domain's schema examples
 * as carelog maps them to FHIR, each keyed by a source system's own identifier.
 */
export function fhirBundleExample(
  catalogue: SchemaCatalogue,
  schemasDir: string,
  rules: readonly EntryTypeRule[],
): Record<string, unknown> {
  const entry = rules.flatMap((rule, index) => {
    const current = catalogue.current(rule.type);
    const example = current && readExample(schemasDir, current);
    const resource =
      example &&
      entryToFhir({
        ...example,
        eventId: '00000000-0000-4000-8000-000000000000',
        recordedAt: example.occurredAt,
        source: { organisation: 'A81001' },
        author: { userId: 'example', role: 'gp', profession: 'gp', organisation: 'A81001' },
        sensitivity: example.sensitivity ?? [],
        attention: example.attention ?? null,
      });
    if (!resource) return [];
    const sent = {
      ...resource,
      id: undefined,
      meta: { tag: resource.meta?.tag },
      identifier: [{ system: 'https://gp-system.example/Id/record', value: `record-${index}` }],
    };
    return [{ resource: sent, request: { method: 'POST', url: resource.resourceType } }];
  });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
