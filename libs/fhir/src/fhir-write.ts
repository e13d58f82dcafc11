import { STATUS_CODES } from 'node:http';
import { DomainError, isUuid } from '@carelog/domain';
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

/** One entry of a Bundle as read: what it records, or why it cannot be. */
export type BundleEntryWrite =
  { index: number; write: FhirWrite } | { index: number; refused: DomainError };

/** A Bundle entry's `urn:uuid:` full URL, as other entries of a transaction may refer to it. */
const isUrnUuid = (value: string): boolean =>
  value.startsWith('urn:uuid:') && isUuid(value.slice('urn:uuid:'.length));

/** What a `urn:uuid:` reference in a Bundle names: `{resourceType}/{the entry's event id}`. */
type FullUrls = ReadonlyMap<string, string>;

/**
 * The full URLs of a transaction's entries, each as the reference it becomes once recorded:
 * the event id is the one the producer will give the entry (`eventIdOf` its key), so that a
 * MedicationDispense sent beside its MedicationRequest names it as `MedicationRequest/{id}`.
 */
function fullUrlsOf(entries: readonly unknown[], eventIdOf: (key: string) => string): FullUrls {
  const urls = new Map<string, string>();
  entries.forEach((entry, index) => {
    if (!isObject(entry) || typeof entry['fullUrl'] !== 'string') return;
    const resource = entry['resource'];
    const request = entry['request'];
    if (!isUrnUuid(entry['fullUrl']) || !isObject(resource) || !isObject(request)) return;
    if (typeof resource['resourceType'] !== 'string') return;
    try {
      const given = request['ifNoneExist'];
      const key = keyOf(resource, `Bundle.entry[${index}].resource`, {
        element: `Bundle.entry[${index}].request.ifNoneExist`,
        key: typeof given === 'string' ? given : undefined,
      });
      urls.set(entry['fullUrl'].toLowerCase(), `${resource['resourceType']}/${eventIdOf(key)}`);
    } catch {
      // The entry is refused when it is read, naming its own element.
    }
  });
  return urls;
}

/**
 * The resource with each `reference` to another entry of the Bundle (`urn:uuid:…`) replaced
 * by what that entry becomes; a `urn:uuid:` no entry has as its full URL is refused.
 */
function resolvedReferences(value: unknown, path: string, urls: FullUrls | undefined): unknown {
  if (Array.isArray(value))
    return value.map((item, index) => resolvedReferences(item, `${path}[${index}]`, urls));
  if (!isObject(value)) return value;
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (key === 'reference' && typeof item === 'string' && item.startsWith('urn:uuid:')) {
      if (!urls)
        return refuse(
          at,
          'refers to another entry: entries of a batch are recorded on their own; send a transaction',
        );
      resolved[key] =
        urls.get(item.toLowerCase()) ??
        refuse(at, 'names no entry of this Bundle (by its fullUrl)');
    } else resolved[key] = resolvedReferences(item, at, urls);
  }
  return resolved;
}

/** One Bundle entry as a write: `POST {its resource type}`, a resource carelog records, a key. */
function writeOfEntry(
  entry: unknown,
  index: number,
  keys: Map<string, number>,
  urls: FullUrls | undefined,
): FhirWrite {
  const at = `Bundle.entry[${index}]`;
  if (!isObject(entry)) return refuse(at, 'must be an object');
  const resource = entry['resource'];
  const request = entry['request'];
  if (!isObject(resource)) return refuse(`${at}.resource`, 'is required');
  if (!isObject(request)) return refuse(`${at}.request`, 'is required');
  if (request['method'] !== 'POST')
    refuse(`${at}.request.method`, 'must be POST (carelog records; it never updates or deletes)');
  const resourceType = resource['resourceType'];
  if (typeof resourceType !== 'string') return refuse(`${at}.resource.resourceType`, 'is required');
  if (request['url'] !== resourceType) refuse(`${at}.request.url`, `must be ${resourceType}`);
  const ifNoneExist = request['ifNoneExist'];
  if (ifNoneExist !== undefined && typeof ifNoneExist !== 'string')
    refuse(`${at}.request.ifNoneExist`, 'must be a string');
  const path = `${at}.resource`;
  const draft = fhirToEntry(resolvedReferences(resource, path, urls), path);
  const idempotencyKey = keyOf(resource, path, {
    element: `${at}.request.ifNoneExist`,
    key: typeof ifNoneExist === 'string' ? ifNoneExist : undefined,
  });
  const earlier = keys.get(idempotencyKey);
  if (earlier !== undefined)
    refuse(`${at}.request.ifNoneExist`, `must differ from Bundle.entry[${earlier}]'s`);
  keys.set(idempotencyKey, index);
  return { path, resourceType, draft, idempotencyKey };
}

/**
 * A transaction or batch Bundle, every entry read before anything is recorded: each must be
 * `POST {its resource type}` with a resource carelog records one-to-one as an entry, and a key
 * (request.ifNoneExist, else the resource's business identifier) no earlier entry has. The
 * Bundle itself (its type, up to MAX_BUNDLE_ENTRIES entries) is refused whole; each entry's
 * problem is returned with it, naming the entry and element. In a transaction, a `reference`
 * to another entry's `urn:uuid:` fullUrl becomes `{its type}/{its event id}` (`eventIdOf` its
 * key, as the producer will give it); a batch's entries may not refer to each other.
 */
export function entriesOfBundle(
  bundle: unknown,
  eventIdOf: (key: string) => string,
): {
  type: 'transaction' | 'batch';
  entries: BundleEntryWrite[];
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
  // A batch's entries are recorded on their own, so they cannot refer to each other.
  const urls = type === 'transaction' ? fullUrlsOf(entries, eventIdOf) : undefined;
  return {
    type,
    entries: entries.map((entry: unknown, index): BundleEntryWrite => {
      try {
        return { index, write: writeOfEntry(entry, index, keys, urls) };
      } catch (error) {
        if (error instanceof DomainError) return { index, refused: error };
        throw error;
      }
    }),
  };
}

/**
 * A Bundle read whole, as a transaction is: the first entry's problem refuses all of it,
 * naming the entry and element. `eventIdOf` gives the event id an entry's key will have.
 */
export function writesOfBundle(
  bundle: unknown,
  eventIdOf: (key: string) => string,
): {
  type: 'transaction' | 'batch';
  writes: FhirWrite[];
} {
  const { type, entries } = entriesOfBundle(bundle, eventIdOf);
  return {
    type,
    writes: entries.map((entry) => {
      if ('refused' in entry) throw entry.refused;
      return entry.write;
    }),
  };
}

/** What became of one entry of a Bundle: recorded, or refused with its OperationOutcome. */
export type BundleEntryResult =
  { resourceType: string; eventId: string } | { status: number; outcome: OperationOutcome };

/**
 * What was recorded, as FHIR answers a transaction or batch: one response per entry, in
 * order; in a batch, an entry refused on its own has its status and OperationOutcome.
 */
export function bundleResponse(
  type: 'transaction' | 'batch',
  results: readonly BundleEntryResult[],
): Bundle {
  return {
    resourceType: 'Bundle',
    type: type === 'transaction' ? 'transaction-response' : 'batch-response',
    timestamp: new Date().toISOString(),
    entry: results.map((result) => ({
      response:
        'outcome' in result
          ? {
              status: `${result.status} ${STATUS_CODES[result.status] ?? ''}`.trim(),
              outcome: result.outcome,
            }
          : {
              status: '201 Created',
              location: `${result.resourceType}/${result.eventId}/_history/1`,
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
