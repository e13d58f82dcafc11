import { DomainError } from '@carelog/domain';
import { exampleEvent, fhirR4Problems, testNhsNumber } from '@carelog/testing';
import type { Resource } from '@medplum/fhirtypes';
import {
  capabilityStatement,
  entryMatches,
  historyBundle,
  operationOutcome,
  parseFhirSearch,
  resourcesOfEntry,
  searchsetBundle,
} from './fhir-read';
import { bundleResponse, recordedOutcome, writeOfResource, writesOfBundle } from './fhir-write';
import { entryToFhir } from './to-fhir';

const nhsNumber = testNhsNumber(5150);
const base = 'http://localhost/fhir/R4';

describe('what the FHIR API answers besides entries is valid R4 too', () => {
  it('the CapabilityStatement', () => {
    expect(fhirR4Problems(capabilityStatement(base, { version: '1' }))).toEqual([]);
    // The one allowance for the published schema's fhirVersion enum still checks the element.
    expect(
      fhirR4Problems({ ...capabilityStatement(base, { version: '1' }), fhirVersion: '9.9' }),
    ).not.toEqual([]);
  });

  it('searchset and history Bundles, and OperationOutcomes', () => {
    const entry = exampleEvent('TestResultRecorded', { nhsNumber });
    const resources = resourcesOfEntry(entry);
    expect(resources.map((resource) => resource.resourceType)).toEqual([
      'Observation',
      'Provenance',
      'Task',
    ]);
    expect(
      fhirR4Problems(searchsetBundle(base, resources, { self: base, next: `${base}?_cursor=x` })),
    ).toEqual([]);
    expect(fhirR4Problems(historyBundle(base, base, resources.slice(0, 1)))).toEqual([]);
    expect(
      fhirR4Problems(operationOutcome({ status: 404, code: 'patient-not-found', detail: 'no' })),
    ).toEqual([]);
    expect(fhirR4Problems(recordedOutcome('Observation', entry.eventId))).toEqual([]);
    expect(
      fhirR4Problems(
        bundleResponse('transaction', [{ resourceType: 'Condition', eventId: entry.eventId }]),
      ),
    ).toEqual([]);
  });
});

describe('FHIR search parameters', () => {
  const entry = exampleEvent('ProblemRecorded', {
    nhsNumber,
    occurredAt: new Date('2026-03-10T10:00:00Z'),
    recordedAt: new Date('2026-03-11T10:00:00Z'),
  });

  it.each([
    ['date=2026-03-10', true],
    ['date=2026-03-11', false],
    ['date=ge2026-03-10&date=lt2026-03-11', true],
    ['date=gt2026-03-10', false],
    ['date=le2026-03-10T10:00:00Z', true],
    ['_lastUpdated=ge2026-03-11', true],
    ['_lastUpdated=lt2026-03-11', false],
  ])('%s matches: %s', (query, expected) => {
    const parameters: Record<string, string | string[]> = { patient: nhsNumber };
    for (const [name, value] of new URLSearchParams(query)) {
      const earlier = parameters[name];
      parameters[name] = earlier === undefined ? value : [earlier as string, value].flat();
    }
    expect(entryMatches(entry, parseFhirSearch(parameters))).toBe(expected);
  });

  it.each([
    [{ patient: nhsNumber, code: 'x' }, 'code'],
    [{ patient: nhsNumber, date: 'yesterday' }, 'date'],
    [{ patient: nhsNumber, _count: '0' }, '_count'],
    [{ patient: nhsNumber, _cursor: '!!' }, '_cursor'],
    [{}, 'patient'],
  ])('refuses %j, naming %s', (query, field) => {
    expect(() => parseFhirSearch(query)).toThrow(expect.objectContaining({ field }) as Error);
  });
});

describe('FHIR writes: a Bundle is read whole before anything is recorded', () => {
  const sent = (type: string, id: string): Record<string, unknown> => {
    const resource = entryToFhir(exampleEvent(type, { nhsNumber })) as Resource;
    return {
      ...resource,
      id: undefined,
      meta: { tag: resource.meta?.tag },
      identifier: [{ system: 'https://gp.example/id', value: id }],
    };
  };
  const entryOf = (resource: Record<string, unknown>, request: Record<string, unknown> = {}) => ({
    resource,
    request: { method: 'POST', url: resource['resourceType'], ...request },
  });
  const refusal = (run: () => unknown): DomainError => {
    try {
      run();
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
    throw new Error('was accepted');
  };

  it('reads each entry as the entry it records, keyed by ifNoneExist or the business identifier', () => {
    const { type, writes } = writesOfBundle({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        entryOf(sent('AllergyRecorded', 'a1')),
        entryOf(sent('ProblemRecorded', 'p1'), { ifNoneExist: 'identifier=x|p1' }),
      ],
    });
    expect(type).toBe('batch');
    expect(writes.map((write) => [write.draft.type, write.idempotencyKey, write.path])).toEqual([
      ['AllergyRecorded', 'https://gp.example/id|a1', 'Bundle.entry[0].resource'],
      ['ProblemRecorded', 'identifier=x|p1', 'Bundle.entry[1].resource'],
    ]);
  });

  it.each([
    ['not a Bundle', { resourceType: 'Patient' }, 'Bundle.resourceType'],
    ['a collection', { resourceType: 'Bundle', type: 'collection', entry: [] }, 'Bundle.type'],
    ['no entries', { resourceType: 'Bundle', type: 'transaction', entry: [] }, 'Bundle.entry'],
    [
      'a PUT',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [entryOf(sent('AllergyRecorded', 'a'), { method: 'PUT' })],
      },
      'Bundle.entry[0].request.method',
    ],
    [
      'a url for another type',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [entryOf(sent('AllergyRecorded', 'a'), { url: 'Condition' })],
      },
      'Bundle.entry[0].request.url',
    ],
    [
      'no key at all',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [entryOf({ ...sent('AllergyRecorded', 'a'), identifier: undefined })],
      },
      'Bundle.entry[0].request.ifNoneExist',
    ],
    [
      'two entries with one key',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [entryOf(sent('AllergyRecorded', 'same')), entryOf(sent('ProblemRecorded', 'same'))],
      },
      'Bundle.entry[1].request.ifNoneExist',
    ],
  ])('refuses %s, naming %s', (_name, bundle, field) => {
    expect(refusal(() => writesOfBundle(JSON.parse(JSON.stringify(bundle)))).field).toBe(field);
  });

  it('a single resource must be of the type in its URL', () => {
    expect(
      refusal(() => writeOfResource(sent('AllergyRecorded', 'a'), 'Condition', {})).field,
    ).toBe('Condition.resourceType');
    expect(
      writeOfResource(sent('AllergyRecorded', 'a'), 'AllergyIntolerance', { idempotencyKey: 'k' })
        .idempotencyKey,
    ).toBe('k');
  });
});
