import { randomUUID } from 'node:crypto';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { entryToFhir, fhirToEntry } from '@carelog/fhir';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import {
  eventually,
  exampleEvent,
  fhirR4Problems,
  nextTestNhsNumber,
  requestJson,
  uniqueName,
} from '@carelog/testing';

const PRACTICE = 'A81001';
const EMIS_IDS = 'https://emis.example/fhir/Id/record';

type FhirResource = { resourceType: string; id?: string; [element: string]: unknown };
type FhirBundle = FhirResource & {
  type?: string;
  link?: Array<{ relation: string; url: string }>;
  entry?: Array<{
    resource?: FhirResource;
    response?: { status: string; location?: string; outcome?: Outcome };
  }>;
};
type Outcome = FhirResource & {
  issue?: Array<{ expression?: string[]; details?: { coding?: Array<{ code?: string }> } }>;
};

/**
 * A resource as a GP system would send it: carelog's own mapping of an example entry, with the
 * GP system's business identifier in place of carelog's id (and its entry-type tag, where a
 * resource type stands for several entry types).
 */
function asSent(type: string, nhsNumber: string, recordId: string): FhirResource {
  const resource = entryToFhir(exampleEvent(type, { nhsNumber, organisation: PRACTICE }));
  if (!resource) throw new Error(`${type} is not mapped`);
  // Sent without carelog's id: JSON leaves the undefined out.
  return {
    ...(resource as FhirResource),
    id: undefined,
    meta: { tag: resource.meta?.tag },
    identifier: [{ system: EMIS_IDS, value: recordId }],
  };
}

const transaction = (resources: FhirResource[]): FhirBundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: resources.map((resource) => ({
    resource,
    request: { method: 'POST', url: resource.resourceType },
  })),
});

/**
 * FHIR R4 through the real platform (#17): a GP system's transaction Bundle lands as entries,
 * idempotently; a bad Bundle is refused whole, naming the entry and element; what the record
 * API then serves as FHIR validates against the official R4 definitions.
 */
describe('FHIR R4 in and out', () => {
  const services = new Map<string, RunningService>();
  const log = serviceLog('fhir.e2e');
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('fhir'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-fhir'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_fhir'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_fhir'),
  };
  const service = (name: string): RunningService => {
    const found = services.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };
  let system = '';
  let gp = '';

  beforeAll(async () => {
    const projection = startService({ name: 'projection', port: 4963, env, onOutput: log });
    services.set('projection', projection);
    await waitForReady(projection);
    for (const [name, port] of [
      ['gp-records', 4961],
      ['record-api', 4962],
    ] as const)
      services.set(name, startService({ name, port, env, onOutput: log }));
    await Promise.all([...services.values()].map((running) => waitForReady(running)));
    system = await mintLocalSystemToken({
      organisation: PRACTICE,
      entryTypes: [
        'RegistrationStarted',
        'AllergyRecorded',
        'ProblemRecorded',
        'MedicationPrescribed',
        'MedicationIssued',
        'ImmunisationRecorded',
        'TestResultRecorded',
        'TestResultReviewed',
      ],
    });
    gp = await mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'dr-fhir' });
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((running) => running.stop()));
  });

  /** A patient registered at the practice by its GP system (a relationship's start). */
  async function registeredPatient(): Promise<string> {
    const nhsNumber = nextTestNhsNumber();
    const registration = await requestJson(`${service('gp-records').baseUrl}/v1/entries`, {
      method: 'POST',
      token: system,
      headers: { 'Idempotency-Key': randomUUID() },
      body: {
        patient: { nhsNumber },
        type: 'RegistrationStarted',
        occurredAt: new Date(Date.now() - 86_400_000).toISOString(),
        payload: { registrationType: 'permanent' },
      },
    });
    expect(registration.status).toBe(202);
    await eventually(
      async () => {
        const read = await requestJson(
          `${service('record-api').baseUrl}/fhir/R4/Patient/${nhsNumber}`,
          { token: gp },
        );
        expect(read.status).toBe(200);
      },
      { timeoutMs: 60_000 },
    );
    return nhsNumber;
  }

  const postBundle = (bundle: unknown) =>
    requestJson<FhirBundle & Outcome>(`${service('gp-records').baseUrl}/fhir/R4`, {
      method: 'POST',
      token: system,
      headers: { 'Content-Type': 'application/fhir+json' },
      body: bundle,
    });

  const search = (type: string, nhsNumber: string) =>
    requestJson<FhirBundle>(
      `${service('record-api').baseUrl}/fhir/R4/${type}?patient=${nhsNumber}`,
      { token: gp },
    );

  it('records a transaction Bundle as entries, once however often it is sent, and serves them back as valid R4', async () => {
    const nhsNumber = await registeredPatient();
    const bundle = transaction([
      asSent('AllergyRecorded', nhsNumber, `allergy-${nhsNumber}`),
      asSent('ProblemRecorded', nhsNumber, `problem-${nhsNumber}`),
      asSent('MedicationPrescribed', nhsNumber, `prescription-${nhsNumber}`),
    ]);
    const first = await postBundle(bundle);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry?.map((entry) => entry.response?.status)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
    ]);
    expect(fhirR4Problems(first.body)).toEqual([]);
    // Sent again (a retry): the same entries, nothing new.
    const again = await postBundle(bundle);
    expect(again.status).toBe(200);
    expect(again.body.entry?.map((entry) => entry.response?.location)).toEqual(
      first.body.entry?.map((entry) => entry.response?.location),
    );

    const recordApi = service('record-api').baseUrl;
    let everything: FhirBundle = { resourceType: 'Bundle' };
    await eventually(
      async () => {
        everything = (
          await requestJson<FhirBundle>(`${recordApi}/fhir/R4/Patient/${nhsNumber}/$everything`, {
            token: gp,
          })
        ).body;
        const types = (everything.entry ?? []).map((entry) => entry.resource?.resourceType);
        expect(types.filter((type) => type === 'AllergyIntolerance')).toHaveLength(1);
        expect(types.filter((type) => type === 'Condition')).toHaveLength(1);
        expect(types.filter((type) => type === 'MedicationRequest')).toHaveLength(1);
      },
      { timeoutMs: 60_000 },
    );
    // Every resource served, and the Bundle around them, is valid R4.
    expect(fhirR4Problems(everything)).toEqual([]);
    for (const entry of everything.entry ?? [])
      expect({
        type: entry.resource?.resourceType,
        problems: fhirR4Problems(entry.resource ?? {}),
      }).toEqual({ type: entry.resource?.resourceType, problems: [] });
    const conditions = await search('Condition', nhsNumber);
    expect(conditions.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(conditions.body.entry).toHaveLength(1);
    const condition = conditions.body.entry?.[0]?.resource;
    const history = await requestJson<FhirBundle>(
      `${recordApi}/fhir/R4/Condition/${condition?.id ?? ''}/_history`,
      { token: gp },
    );
    expect(history.status).toBe(200);
    expect(fhirR4Problems(history.body)).toEqual([]);
    const metadata = await requestJson<FhirResource>(`${recordApi}/fhir/R4/metadata`);
    expect(metadata.status).toBe(200);
    expect(fhirR4Problems(metadata.body)).toEqual([]);
  });

  it('refuses a Bundle with one bad entry whole, naming the entry and element, and records none of it', async () => {
    const nhsNumber = await registeredPatient();
    const broken = asSent('ProblemRecorded', nhsNumber, `broken-${nhsNumber}`);
    delete broken['code'];
    const refused = await postBundle(
      transaction([
        asSent('AllergyRecorded', nhsNumber, `refused-allergy-${nhsNumber}`),
        asSent('MedicationPrescribed', nhsNumber, `refused-prescription-${nhsNumber}`),
        broken,
      ]),
    );
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(refused.body.issue?.[0]?.expression).toEqual(['Bundle.entry[2].resource.code']);
    expect(fhirR4Problems(refused.body)).toEqual([]);

    // An entry the rules refuse (a patient the practice holds no relationship with) refuses
    // the Bundle too, naming that entry.
    const stranger = nextTestNhsNumber();
    const forbidden = await postBundle(
      transaction([
        asSent('AllergyRecorded', nhsNumber, `forbidden-allergy-${nhsNumber}`),
        asSent('AllergyRecorded', stranger, `stranger-${stranger}`),
      ]),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.issue?.[0]?.expression).toEqual(['Bundle.entry[1].resource']);
    expect(forbidden.body.issue?.[0]?.details?.coding?.[0]?.code).toBe(
      'care-relationship-required',
    );

    // Then a good single resource; once it is served, nothing of the refused Bundles is.
    const created = await requestJson<Outcome>(
      `${service('gp-records').baseUrl}/fhir/R4/Immunization`,
      {
        method: 'POST',
        token: system,
        headers: {
          'Content-Type': 'application/fhir+json',
          'If-None-Exist': `identifier=${EMIS_IDS}|imm-${nhsNumber}`,
        },
        body: asSent('ImmunisationRecorded', nhsNumber, `imm-${nhsNumber}`),
      },
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/^Immunization\/[0-9a-f-]{36}\/_history\/1$/);
    await eventually(
      async () => expect((await search('Immunization', nhsNumber)).body.entry).toHaveLength(1),
      { timeoutMs: 60_000 },
    );
    for (const type of ['AllergyIntolerance', 'Condition', 'MedicationRequest'])
      expect({ type, found: (await search(type, nhsNumber)).body.entry ?? [] }).toEqual({
        type,
        found: [],
      });
  });

  it("resolves a transaction's urn:uuid references: an issue names the prescription sent beside it", async () => {
    const nhsNumber = await registeredPatient();
    const fullUrl = `urn:uuid:${randomUUID()}`;
    const issue = asSent('MedicationIssued', nhsNumber, `issue-${nhsNumber}`);
    issue['basedOn'] = [{ reference: fullUrl }];
    const bundle = transaction([
      asSent('MedicationPrescribed', nhsNumber, `rx-${nhsNumber}`),
      issue,
    ]) as FhirBundle & { entry: Array<Record<string, unknown>> };
    bundle.entry[0] = { ...bundle.entry[0], fullUrl };
    const answered = await postBundle(bundle);
    expect(answered.status).toBe(200);
    const [prescribed, issued] =
      answered.body.entry?.map((entry) => entry.response?.location?.split('/')[1]) ?? [];
    const served = await eventually(
      async () => {
        const requests = (await search('MedicationRequest', nhsNumber)).body.entry ?? [];
        expect(requests).toHaveLength(2);
        return requests;
      },
      { timeoutMs: 60_000 },
    );
    const issueServed = served.find((entry) => entry.resource?.id === issued)?.resource;
    expect(issueServed?.['basedOn']).toEqual([{ reference: `MedicationRequest/${prescribed}` }]);
    expect(fhirR4Problems(issueServed ?? {})).toEqual([]);
  });

  it('records a result and its review (a ClinicalImpression naming the Observation sent beside it), and serves both back as valid R4 that reads back as the entries sent', async () => {
    const nhsNumber = await registeredPatient();
    const fullUrl = `urn:uuid:${randomUUID()}`;
    const review = asSent('TestResultReviewed', nhsNumber, `review-${nhsNumber}`);
    expect(review.resourceType).toBe('ClinicalImpression');
    review['investigation'] = [{ code: { text: 'Test result' }, item: [{ reference: fullUrl }] }];
    const bundle = transaction([
      asSent('TestResultRecorded', nhsNumber, `result-${nhsNumber}`),
      review,
    ]) as FhirBundle & { entry: Array<Record<string, unknown>> };
    bundle.entry[0] = { ...bundle.entry[0], fullUrl };
    const answered = await postBundle(bundle);
    expect(answered.status).toBe(200);
    const [resultId, reviewId] =
      answered.body.entry?.map((entry) => entry.response?.location?.split('/')[1]) ?? [];
    const impressions = await eventually(
      async () => {
        const found = (await search('ClinicalImpression', nhsNumber)).body;
        expect(found.entry).toHaveLength(1);
        return found;
      },
      { timeoutMs: 60_000 },
    );
    expect(fhirR4Problems(impressions)).toEqual([]);
    const served = impressions.entry?.[0]?.resource ?? { resourceType: 'none' };
    expect(served.id).toBe(reviewId);
    const example = exampleEvent('TestResultReviewed', { nhsNumber, organisation: PRACTICE });
    expect(fhirToEntry(served).payload).toEqual({
      ...example.payload,
      result: { eventId: resultId },
    });
    const observations = (await search('Observation', nhsNumber)).body;
    expect(observations.entry?.map((entry) => entry.resource?.id)).toEqual([resultId]);
  });

  it('records each entry of a batch Bundle on its own: a refused entry is answered in its place, the others land once', async () => {
    const nhsNumber = await registeredPatient();
    const stranger = nextTestNhsNumber();
    const broken = asSent('ProblemRecorded', nhsNumber, `batch-broken-${nhsNumber}`);
    delete broken['code'];
    const batch = {
      ...transaction([
        asSent('AllergyRecorded', nhsNumber, `batch-allergy-${nhsNumber}`),
        broken,
        asSent('AllergyRecorded', stranger, `batch-stranger-${stranger}`),
        asSent('ProblemRecorded', nhsNumber, `batch-problem-${nhsNumber}`),
      ]),
      type: 'batch',
    };
    const answered = await postBundle(batch);
    expect(answered.status).toBe(200);
    expect(answered.body.type).toBe('batch-response');
    expect(fhirR4Problems(answered.body)).toEqual([]);
    const responses = answered.body.entry?.map((entry) => entry.response) ?? [];
    expect(responses.map((response) => response?.status)).toEqual([
      '201 Created',
      '400 Bad Request',
      '403 Forbidden',
      '201 Created',
    ]);
    const issueOf = (index: number) => responses[index]?.outcome?.issue?.[0];
    expect(issueOf(1)?.expression).toEqual(['Bundle.entry[1].resource.code']);
    expect(issueOf(2)?.expression).toEqual(['Bundle.entry[2].resource']);
    expect(issueOf(2)?.details?.coding?.[0]?.code).toBe('care-relationship-required');

    // Sent again (a retry): the recorded entries answer their first locations, nothing new.
    const again = await postBundle(batch);
    expect(again.body.entry?.map((entry) => entry.response?.location)).toEqual(
      responses.map((response) => response?.location),
    );
    await eventually(
      async () => {
        expect((await search('AllergyIntolerance', nhsNumber)).body.entry).toHaveLength(1);
        expect((await search('Condition', nhsNumber)).body.entry).toHaveLength(1);
      },
      { timeoutMs: 60_000 },
    );
    const [condition] = (await search('Condition', nhsNumber)).body.entry ?? [];
    expect(condition?.resource?.id).toBe(responses[3]?.location?.split('/')[1]);
  });

  it('starts a registration sent as an EpisodeOfCare, as POST /v1/entries does: the practice may then read the patient', async () => {
    const nhsNumber = nextTestNhsNumber();
    const patient = `${service('record-api').baseUrl}/fhir/R4/Patient/${nhsNumber}`;
    // No relationship yet: the practice may not read the patient.
    expect((await requestJson(patient, { token: gp })).status).toBe(404);
    const sent = asSent('RegistrationStarted', nhsNumber, `registration-${nhsNumber}`);
    expect(sent.resourceType).toBe('EpisodeOfCare');
    const created = await requestJson<Outcome>(
      `${service('gp-records').baseUrl}/fhir/R4/EpisodeOfCare`,
      {
        method: 'POST',
        token: system,
        headers: { 'Content-Type': 'application/fhir+json' },
        body: sent,
      },
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/^EpisodeOfCare\/[0-9a-f-]{36}\/_history\/1$/);
    await eventually(
      async () => expect((await requestJson(patient, { token: gp })).status).toBe(200),
      { timeoutMs: 60_000 },
    );
    const episodes = (await search('EpisodeOfCare', nhsNumber)).body;
    expect(episodes.entry?.map((entry) => entry.resource?.['status'])).toEqual(['active']);
    expect(fhirR4Problems(episodes)).toEqual([]);
  });
});
