import {
  decodePageCursor,
  DomainError,
  encodePageCursor,
  isFullDate,
  parsePageSize,
  type PagePosition,
} from '@carelog/domain';
import type {
  Bundle,
  BundleEntry,
  BundleLink,
  CapabilityStatement,
  OperationOutcome,
  Resource,
} from '@medplum/fhirtypes';
import { isoOf, type FhirSourceEntry } from './fhir-entry';
import { PROBLEM_CODE_SYSTEM } from './fhir-terms';
import {
  attentionTaskOf,
  ENTRY_TYPES_BY_RESOURCE,
  entryToFhir,
  MAPPED_ENTRY_TYPES,
  provenanceOf,
  resourceTypeOf,
} from './to-fhir';

/** FHIR's media type: every answer under /fhir/R4 has it. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Resource types a patient's record is searched by: one per mapped entry type, and the two every entry may have. */
export const SEARCHABLE_RESOURCE_TYPES = [
  ...new Set([...MAPPED_ENTRY_TYPES.map(resourceTypeOf), 'Provenance', 'Task']),
].sort();

export const isSearchableResourceType = (type: string): boolean =>
  SEARCHABLE_RESOURCE_TYPES.includes(type);

export const DEFAULT_FHIR_PAGE = 50;
export const MAX_FHIR_PAGE = 200;

type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le';
interface DateCondition {
  prefix: Prefix;
  /** The instant range the value names: a day is its whole day (UTC). */
  start: number;
  end: number;
}

export interface FhirSearch {
  nhsNumber: string;
  date: DateCondition[];
  lastUpdated: DateCondition[];
  count: number;
  after?: PagePosition;
}

const invalid = (parameter: string, message: string) =>
  new DomainError('invalid-fhir-search', message, parameter);

function dateCondition(parameter: string, raw: string): DateCondition {
  const match = /^(eq|ne|gt|lt|ge|le)?(.+)$/.exec(raw);
  const value = match?.[2] ?? '';
  const prefix = (match?.[1] ?? 'eq') as Prefix;
  if (isFullDate(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    return { prefix, start, end: start + 86_400_000 };
  }
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(at))
    throw invalid(
      parameter,
      'must be a date or dateTime, optionally after eq, ne, gt, lt, ge or le',
    );
  return { prefix, start: at, end: at + 1 };
}

function matches(condition: DateCondition, at: number): boolean {
  switch (condition.prefix) {
    case 'eq':
      return at >= condition.start && at < condition.end;
    case 'ne':
      return at < condition.start || at >= condition.end;
    case 'gt':
      return at >= condition.end;
    case 'ge':
      return at >= condition.start;
    case 'lt':
      return at < condition.start;
    case 'le':
      return at < condition.end;
  }
}

const listOf = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * The patient a search names: `patient` (or `subject`) as `<NHS number>` or
 * `Patient/<NHS number>`. Its form is the patient gate's to check, so that a malformed one is
 * refused and audited as on every other route.
 */
export function searchedPatient(query: Record<string, string | string[] | undefined>): string {
  const given = [...listOf(query['patient']), ...listOf(query['subject'])];
  if (given.length !== 1) throw invalid('patient', 'one patient is required: patient=<NHS number>');
  return (given[0] ?? '').replace(/^Patient\//, '');
}

const SUPPORTED_PARAMETERS = new Set([
  'patient',
  'subject',
  'date',
  '_lastUpdated',
  '_count',
  '_cursor',
  '_format',
]);

/** A search's parameters; anything not supported is refused (FHIR's handling=strict). */
export function parseFhirSearch(query: Record<string, string | string[] | undefined>): FhirSearch {
  for (const parameter of Object.keys(query))
    if (!SUPPORTED_PARAMETERS.has(parameter))
      throw invalid(
        parameter,
        `is not supported; supported: ${[...SUPPORTED_PARAMETERS].join(', ')}`,
      );
  const count = query['_count'];
  const cursor = query['_cursor'];
  if (Array.isArray(count)) throw invalid('_count', 'must be given once');
  if (Array.isArray(cursor)) throw invalid('_cursor', 'must be given once');
  return {
    nhsNumber: searchedPatient(query),
    date: listOf(query['date']).map((value) => dateCondition('date', value)),
    lastUpdated: listOf(query['_lastUpdated']).map((value) => dateCondition('_lastUpdated', value)),
    count: parsePageSize(
      count,
      { fallback: DEFAULT_FHIR_PAGE, max: MAX_FHIR_PAGE, code: 'invalid-fhir-search' },
      '_count',
    ),
    ...(cursor === undefined ? {} : { after: decodePageCursor(cursor, '_cursor') }),
  };
}

/** Whether an entry is found by a search's date and _lastUpdated (its clinical and its system time). */
export function entryMatches(entry: FhirSourceEntry, search: FhirSearch): boolean {
  const occurred = Date.parse(isoOf(entry.occurredAt));
  const updated = Date.parse(isoOf(entry.amendedAt ?? entry.recordedAt));
  return (
    search.date.every((condition) => matches(condition, occurred)) &&
    search.lastUpdated.every((condition) => matches(condition, updated))
  );
}

/** The resource of `type` an entry is served as in a search: itself, its Provenance, or its Task. */
export function resourceForSearch(entry: FhirSourceEntry, type: string): Resource | null {
  const resource = entryToFhir(entry);
  if (!resource) return null;
  if (type === 'Provenance') return provenanceOf(entry, resource);
  if (type === 'Task') return attentionTaskOf(entry, resource);
  return resource.resourceType === type ? resource : null;
}

/** Every resource an entry is served as ($everything): itself, its Provenance and its Task. */
export function resourcesOfEntry(entry: FhirSourceEntry): Resource[] {
  const resource = entryToFhir(entry);
  if (!resource) return [];
  const task = attentionTaskOf(entry, resource);
  return [resource, provenanceOf(entry, resource), ...(task ? [task] : [])];
}

/** The position of an entry in search order (clinical time, then id), for the next page's cursor. */
export const searchCursor = (entry: FhirSourceEntry): string =>
  encodePageCursor({ at: new Date(isoOf(entry.occurredAt)), id: entry.eventId });

export const isAfter = (entry: FhirSourceEntry, after: PagePosition | undefined): boolean => {
  if (!after) return true;
  const at = Date.parse(isoOf(entry.occurredAt));
  return at > after.at.getTime() || (at === after.at.getTime() && entry.eventId > after.id);
};

/**
 * A searchset Bundle. No `total`: counts are given on whole views only, never on filtered
 * queries (docs/architecture.md, "Nothing reveals what is hidden").
 */
export function searchsetBundle(
  base: string,
  resources: readonly Resource[],
  links: { self: string; next: string | null },
): Bundle {
  const link: BundleLink[] = [
    { relation: 'self', url: links.self },
    ...(links.next ? [{ relation: 'next', url: links.next }] : []),
  ];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: new Date().toISOString(),
    link,
    entry: resources.map((resource): BundleEntry => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** Every version of an entry, newest first, as FHIR's history Bundle. */
export function historyBundle(base: string, self: string, versions: readonly Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    link: [{ relation: 'self', url: self }],
    entry: versions.map((resource): BundleEntry => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` },
      response: { status: '200', lastModified: resource.meta?.lastUpdated ?? '' },
    })),
  };
}

/** FHIR's issue type for an HTTP status. */
const ISSUE_TYPE: Record<number, NonNullable<OperationOutcome['issue']>[number]['code']> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  408: 'timeout',
  409: 'conflict',
  413: 'too-costly',
  422: 'processing',
  503: 'transient',
};

/** carelog's problem (code, detail, field) as an OperationOutcome. */
export const operationOutcome = (problem: {
  status: number;
  code: string;
  detail: string;
  field?: string;
}): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: ISSUE_TYPE[problem.status] ?? (problem.status >= 500 ? 'exception' : 'invalid'),
      details: {
        coding: [{ system: PROBLEM_CODE_SYSTEM, code: problem.code }],
        text: problem.detail,
      },
      diagnostics: problem.detail,
      ...(problem.field ? { expression: [problem.field] } : {}),
    },
  ],
});

/** What carelog's FHIR API does: read and search by patient, on the record API. */
export function capabilityStatement(
  base: string,
  software: { version: string },
): CapabilityStatement {
  const searchParam = [
    {
      name: 'patient',
      type: 'reference' as const,
      documentation: 'Required: the NHS number, or Patient/<NHS number>',
    },
    {
      name: 'date',
      type: 'date' as const,
      documentation: 'When it happened (eq, ne, gt, lt, ge, le)',
    },
    {
      name: '_lastUpdated',
      type: 'date' as const,
      documentation: 'When carelog recorded its current version',
    },
    {
      name: '_count',
      type: 'number' as const,
      documentation: `Page size, 1 to ${MAX_FHIR_PAGE} (default ${DEFAULT_FHIR_PAGE})`,
    },
  ];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-02',
    kind: 'instance',
    software: { name: 'carelog record API', version: software.version },
    implementation: { description: 'carelog: the joined-up record, as FHIR R4', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Every read passes the same access rules and audit as the JSON API; a read the caller may not make answers 404 exactly as a patient that does not exist.',
        security: {
          description:
            'Bearer tokens: NHS CIS2 (staff) or NHS login at P9 (patients, carers); local mode mints both.',
        },
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }],
            operation: [
              {
                name: 'everything',
                definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
              },
            ],
          },
          ...SEARCHABLE_RESOURCE_TYPES.map((type) => ({
            type: type as Resource['resourceType'],
            documentation: ENTRY_TYPES_BY_RESOURCE.has(type as never)
              ? `carelog entries: ${(ENTRY_TYPES_BY_RESOURCE.get(type as never) ?? []).join(', ')}`
              : type === 'Provenance'
                ? 'Who recorded each entry, for which organisation, through which system'
                : 'Entries flagged for attention, as tasks for the named role and organisation',
            interaction: [
              { code: 'read' as const },
              { code: 'search-type' as const },
              ...(ENTRY_TYPES_BY_RESOURCE.has(type as never)
                ? [{ code: 'history-instance' as const }]
                : []),
            ],
            searchParam,
          })),
        ],
      },
    ],
  };
}
