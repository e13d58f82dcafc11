import { createHash } from 'node:crypto';
import { exampleEvent, fhirR4Problems, refusalOf, testNhsNumber } from '@carelog/testing';
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
import {
  bundleResponse,
  entriesOfBundle,
  recordedOutcome,
  writeOfResource,
  writesOfBundle,
} from './fhir-write';
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
  /** The event id a producer gives an entry's key (here: a UUID-shaped hash of the key). */
  const eventIdOf = (key: string): string => {
    const hex = createHash('sha256').update(key).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  it('reads each entry as the entry it records, keyed by ifNoneExist or the business identifier', () => {
    const { type, writes } = writesOfBundle(
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          entryOf(sent('AllergyRecorded', 'a1')),
          entryOf(sent('ProblemRecorded', 'p1'), { ifNoneExist: 'identifier=x|p1' }),
        ],
      },
      eventIdOf,
    );
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
    expect(
      refusalOf(() => writesOfBundle(JSON.parse(JSON.stringify(bundle)), eventIdOf)).field,
    ).toBe(field);
  });

  it('reads each entry of a batch on its own: a bad one is returned with its problem, not thrown', () => {
    const broken = { ...sent('ProblemRecorded', 'p1'), code: undefined };
    const { type, entries } = entriesOfBundle(
      JSON.parse(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            entryOf(sent('AllergyRecorded', 'a1')),
            entryOf(broken),
            entryOf(sent('AllergyRecorded', 'a1')),
            entryOf(sent('AllergyRecorded', 'a2')),
          ],
        }),
      ),
      eventIdOf,
    );
    expect(type).toBe('batch');
    expect(
      entries.map((entry) =>
        'refused' in entry ? [entry.index, entry.refused.field] : [entry.index, entry.write.path],
      ),
    ).toEqual([
      [0, 'Bundle.entry[0].resource'],
      [1, 'Bundle.entry[1].resource.code'],
      [2, 'Bundle.entry[2].request.ifNoneExist'],
      [3, 'Bundle.entry[3].resource'],
    ]);
    // Read as a transaction, the first problem refuses it all.
    expect(
      refusalOf(() =>
        writesOfBundle(
          {
            resourceType: 'Bundle',
            type: 'batch',
            entry: [entryOf(sent('AllergyRecorded', 'a1')), entryOf(broken)],
          },
          eventIdOf,
        ),
      ).field,
    ).toBe('Bundle.entry[1].resource.code');
  });

  it("resolves a transaction's urn:uuid references to the event id the entry it names will have", () => {
    const prescription = {
      ...entryOf(sent('MedicationPrescribed', 'rx-1')),
      fullUrl: 'urn:uuid:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
    };
    const issue = sent('MedicationIssued', 'issue-1');
    issue['basedOn'] = [{ reference: 'urn:uuid:6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B' }];
    const bundle = (type: string, reference: string) => {
      issue['basedOn'] = [{ reference }];
      return JSON.parse(
        JSON.stringify({ resourceType: 'Bundle', type, entry: [prescription, entryOf(issue)] }),
      ) as unknown;
    };
    const { writes } = writesOfBundle(
      bundle('transaction', 'urn:uuid:6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B'),
      eventIdOf,
    );
    expect(writes[1]?.draft.payload['prescriptionEventId']).toBe(
      eventIdOf('https://gp.example/id|rx-1'),
    );
    // One that names no entry, and any in a batch (whose entries are recorded on their own).
    expect(
      refusalOf(() =>
        writesOfBundle(
          bundle('transaction', 'urn:uuid:00000000-0000-4000-8000-000000000000'),
          eventIdOf,
        ),
      ).field,
    ).toBe('Bundle.entry[1].resource.basedOn[0].reference');
    const inBatch = refusalOf(() =>
      writesOfBundle(bundle('batch', 'urn:uuid:6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b'), eventIdOf),
    );
    expect(inBatch.field).toBe('Bundle.entry[1].resource.basedOn[0].reference');
    expect(inBatch.message).toMatch(/transaction/);
  });

  it("answers a batch with each entry's own status, and an OperationOutcome for one refused", () => {
    const response = bundleResponse('batch', [
      { resourceType: 'AllergyIntolerance', eventId: '0b6c2b8e-4f55-4d8e-9b1e-3f8a2d1c7e10' },
      {
        status: 403,
        outcome: operationOutcome({
          status: 403,
          code: 'care-relationship-required',
          detail: 'no relationship',
          field: 'Bundle.entry[1].resource',
        }),
      },
    ]);
    expect(response.type).toBe('batch-response');
    expect(response.entry?.map((entry) => entry.response?.status)).toEqual([
      '201 Created',
      '403 Forbidden',
    ]);
    expect(response.entry?.[1]?.response?.outcome?.resourceType).toBe('OperationOutcome');
    expect(fhirR4Problems(response)).toEqual([]);
  });

  it('a single resource must be of the type in its URL', () => {
    expect(
      refusalOf(() => writeOfResource(sent('AllergyRecorded', 'a'), 'Condition', {})).field,
    ).toBe('Condition.resourceType');
    expect(
      writeOfResource(sent('AllergyRecorded', 'a'), 'AllergyIntolerance', { idempotencyKey: 'k' })
        .idempotencyKey,
    ).toBe('k');
  });
});
