import { DomainError } from '@carelog/domain';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { EntryDraft } from './fhir-entry';
import { fhirToEntry } from './from-fhir';
import { PROBLEM_CODE_SYSTEM } from './fhir-terms';

/** The most entries one Bundle may carry. */
export const MAX_BUNDLE_ENTRIES = 100;

/** One resource to record: the entry it says, and the key that makes a retry record nothing new. */
export interface FhirWrite {
  /** Where it is in the request (`Bundle.entry[2].resource`), for errors. */
  path: string;
  resourceType: string;
  draft: EntryDraft;
  idempotencyKey: string;
}

const refuse = (field: string, message: string): never => {
  throw new DomainError('invalid-fhir-resource', message, field);
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A resource's business identifier as an Idempotency-Key (`system|value`, FHIR's token form):
 * the source system's own id for the record, so that sending it again records nothing new.
 */
export function businessIdentifierKey(
  resource: Record<string, unknown>,
  path: string,
): string | null {
  const identifiers = resource['identifier'];
  if (identifiers === undefined) return null;
  if (!Array.isArray(identifiers)) return refuse(`${path}.identifier`, 'must be a list');
  const index = identifiers.findIndex(
    (identifier) =>
      isObject(identifier) &&
      typeof identifier['system'] === 'string' &&
      typeof identifier['value'] === 'string',
  );
  if (index < 0) return null;
  const identifier = identifiers[index] as { system: string; value: string };
  return `${identifier.system}|${identifier.value}`;
}

function keyOf(
  resource: Record<string, unknown>,
  path: string,
  given: { element: string; key: string | undefined },
): string {
  const key = given.key ?? businessIdentifierKey(resource, path);
  if (key === null || key.trim() === '')
    return refuse(
      given.element,
      'is required, or the resource must carry a business identifier (identifier.system and value)',
    );
  if (key.length > 200) return refuse(given.element, 'must be at most 200 characters');
  return key;
}

/**
 * A single resource sent to `POST /fhir/R4/{type}`: the type in the path must be the
 * resource's; the key is the Idempotency-Key header, else If-None-Exist, else its business
 * identifier.
 */
export function writeOfResource(
  resource: unknown,
  typeInPath: string,
  headers: { idempotencyKey?: string | undefined; ifNoneExist?: string | undefined },
): FhirWrite {
  if (!isObject(resource)) return refuse('body', 'must be a FHIR resource');
  if (resource['resourceType'] !== typeInPath)
    refuse(`${typeInPath}.resourceType`, `must be ${typeInPath}, as in the URL`);
  return {
    path: typeInPath,
    resourceType: typeInPath,
    draft: fhirToEntry(resource, typeInPath),
    idempotencyKey: keyOf(resource, typeInPath, {
      element: headers.idempotencyKey !== undefined ? 'Idempotency-Key' : 'If-None-Exist',
      key: headers.idempotencyKey ?? headers.ifNoneExist,
    }),
  };
}

/**
 * A transaction or batch Bundle, read whole before anything is recorded: every entry must be
 * `POST {its resource type}` with a resource carelog records one-to-one as an entry, and a key
 * (request.ifNoneExist, else the resource's business identifier) no other entry shares. The
 * first problem refuses the whole Bundle, naming the entry and element.
 */
export function writesOfBundle(bundle: unknown): {
  type: 'transaction' | 'batch';
  writes: FhirWrite[];
} {
  if (!isObject(bundle) || bundle['resourceType'] !== 'Bundle')
    return refuse('Bundle.resourceType', 'must be Bundle');
  const type = bundle['type'];
  if (type !== 'transaction' && type !== 'batch')
    return refuse('Bundle.type', 'must be transaction or batch');
  const entries = bundle['entry'];
  if (!Array.isArray(entries) || entries.length === 0)
    return refuse('Bundle.entry', 'must hold at least one entry');
  if (entries.length > MAX_BUNDLE_ENTRIES)
    return refuse('Bundle.entry', `must hold at most ${MAX_BUNDLE_ENTRIES} entries`);
  const keys = new Map<string, number>();
  const writes = entries.map((entry: unknown, index): FhirWrite => {
    const at = `Bundle.entry[${index}]`;
    if (!isObject(entry)) return refuse(at, 'must be an object');
    const resource = entry['resource'];
    const request = entry['request'];
    if (!isObject(resource)) return refuse(`${at}.resource`, 'is required');
    if (!isObject(request)) return refuse(`${at}.request`, 'is required');
    if (request['method'] !== 'POST')
      refuse(`${at}.request.method`, 'must be POST (carelog records; it never updates or deletes)');
    const resourceType = resource['resourceType'];
    if (typeof resourceType !== 'string')
      return refuse(`${at}.resource.resourceType`, 'is required');
    if (request['url'] !== resourceType) refuse(`${at}.request.url`, `must be ${resourceType}`);
    const ifNoneExist = request['ifNoneExist'];
    if (ifNoneExist !== undefined && typeof ifNoneExist !== 'string')
      refuse(`${at}.request.ifNoneExist`, 'must be a string');
    const path = `${at}.resource`;
    const draft = fhirToEntry(resource, path);
    const idempotencyKey = keyOf(resource, path, {
      element: `${at}.request.ifNoneExist`,
      key: typeof ifNoneExist === 'string' ? ifNoneExist : undefined,
    });
    const earlier = keys.get(idempotencyKey);
    if (earlier !== undefined)
      refuse(`${at}.request.ifNoneExist`, `must differ from Bundle.entry[${earlier}]'s`);
    keys.set(idempotencyKey, index);
    return { path, resourceType, draft, idempotencyKey };
  });
  return { type, writes };
}

/** What was recorded, as FHIR answers a transaction or batch: one response per entry, in order. */
export function bundleResponse(
  type: 'transaction' | 'batch',
  recorded: ReadonlyArray<{ resourceType: string; eventId: string }>,
): Bundle {
  return {
    resourceType: 'Bundle',
    type: type === 'transaction' ? 'transaction-response' : 'batch-response',
    timestamp: new Date().toISOString(),
    entry: recorded.map(({ resourceType, eventId }) => ({
      response: {
        status: '201 Created',
        location: `${resourceType}/${eventId}/_history/1`,
        etag: 'W/"1"',
      },
    })),
  };
}

/** The answer to a single create: what was recorded, as an OperationOutcome. */
export const recordedOutcome = (resourceType: string, eventId: string): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'information',
      code: 'informational',
      details: {
        coding: [{ system: PROBLEM_CODE_SYSTEM, code: 'recorded' }],
        text: `Recorded as entry ${eventId}; readable as ${resourceType}/${eventId} once projected`,
      },
    },
  ],
});
