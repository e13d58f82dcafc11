import { randomUUID } from 'node:crypto';
import type { Role } from '@carelog/domain';
import { requestJson } from '@carelog/testing';
import { accessPlatform, nobody, other, own, ROLES } from './support/access-platform';

/**
 * The record API's access matrix through real processes: every endpoint, every role, for an
 * own patient, another patient, one that does not exist and a malformed id, through the JSON
 * routes and the FHIR R4 routes alike.
 */
describe('record API access matrix', () => {
  const platform = accessPlatform('access-matrix', { api: 4340, projection: 4350 });
  const { tokens, entries } = platform;
  beforeAll(() => platform.start(), 240_000);
  afterAll(() => platform.stop());

  type Endpoint = [string, (nhs: string) => string, ('GET' | 'POST' | 'PUT')?, unknown?];
  const ENDPOINTS: Endpoint[] = [
    ['record', (nhs) => `/v1/patients/${nhs}/record`],
    ['journal', (nhs) => `/v1/patients/${nhs}/journal`],
    [
      'entry',
      (nhs) =>
        `/v1/patients/${nhs}/entries/${entries[`RegistrationStarted:${nhs}`]?.eventId ?? randomUUID()}`,
    ],
    [
      'history',
      (nhs) =>
        `/v1/patients/${nhs}/entries/${entries[`RegistrationStarted:${nhs}`]?.eventId ?? randomUUID()}/history`,
    ],
    ['access-log', (nhs) => `/v1/patients/${nhs}/access-log`],
    [
      'contributions',
      (nhs) => `/v1/patients/${nhs}/contributions`,
      'POST',
      { type: 'PatientNoteAdded', payload: { note: 'Slept better.' } },
    ],
    [
      'consents',
      (nhs) => `/v1/patients/${nhs}/consents/opt-outs/record-sharing`,
      'PUT',
      { effective: false },
    ],
  ];

  /** What each role may do with its own patient, by endpoint. */
  const expectedOwnStatus = (role: Role, endpoint: string): number => {
    if (endpoint === 'access-log')
      return role === 'patient' || role === 'privacy-officer' ? 200 : 403;
    if (role === 'privacy-officer') return 404;
    if (endpoint === 'contributions' || endpoint === 'consents') {
      // Only the patient writes these here (a carer may contribute, but not a patient's note); staff get 403.
      return role === 'patient' ? 202 : 403;
    }
    if (endpoint === 'entry' || endpoint === 'history') {
      // The registration is in the care-relationships section: in every view but the carer's, pharmacist's and care worker's.
      return ['carer', 'pharmacist', 'care-worker'].includes(role) ? 404 : 200;
    }
    return 200;
  };

  const cases = ROLES.flatMap((role) =>
    ENDPOINTS.map(
      ([name, path, method, body]) => [role, name, path, method ?? 'GET', body] as const,
    ),
  );

  it.each(cases)(
    '%s, %s: own patient as the rules say; another patient exactly as one that does not exist; malformed id refused',
    async (role, name, path, method, body) => {
      const token = tokens.get(role) ?? '';
      const get = (nhs: string) =>
        requestJson<{ code?: string }>(`${platform.baseUrl}${path(nhs)}`, {
          token,
          method,
          ...(body === undefined ? {} : { body, headers: { 'Idempotency-Key': randomUUID() } }),
        });
      const [mine, theirs, missing, malformed] = await Promise.all([
        get(own),
        get(other),
        get(nobody),
        get('12345abcde'),
      ]);
      expect(mine.status).toBe(expectedOwnStatus(role, name));
      if (!(role === 'privacy-officer' && name === 'access-log')) {
        expect(theirs.status).toBe(404);
        expect(theirs.body).toEqual(missing.body);
        expect(theirs.headers.get('content-type')).toBe(missing.headers.get('content-type'));
        expect(theirs.body.code).toBe('patient-not-found');
      }
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('invalid-nhs-number');
    },
  );

  /** The same matrix through the FHIR R4 routes: the same gate, so the same answers (#17). */
  const FHIR_ENDPOINTS: Array<[string, (nhs: string) => string]> = [
    ['fhir Patient', (nhs) => `/fhir/R4/Patient/${nhs}`],
    ['fhir $everything', (nhs) => `/fhir/R4/Patient/${nhs}/$everything`],
    ['fhir search', (nhs) => `/fhir/R4/Encounter?patient=${nhs}`],
    ['fhir search by reference', (nhs) => `/fhir/R4/Provenance?patient=Patient/${nhs}`],
  ];
  const fhirCases = ROLES.flatMap((role) =>
    FHIR_ENDPOINTS.map(([name, path]) => [role, name, path] as const),
  );

  it.each(fhirCases)(
    '%s, %s: as the JSON record; another patient exactly as one that does not exist, as an OperationOutcome',
    async (role, _name, path) => {
      const token = tokens.get(role) ?? '';
      type Outcome = {
        resourceType?: string;
        issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }>;
      };
      const get = (nhs: string) =>
        requestJson<Outcome>(`${platform.baseUrl}${path(nhs)}`, { token });
      const codeOf = (outcome: Outcome) => outcome.issue?.[0]?.details?.coding?.[0]?.code;
      const [mine, theirs, missing, malformed, json] = await Promise.all([
        get(own),
        get(other),
        get(nobody),
        get('12345abcde'),
        requestJson(`${platform.baseUrl}/v1/patients/${own}/record`, { token }),
      ]);
      expect(mine.status).toBe(json.status);
      expect(mine.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(missing.body);
      expect(theirs.headers.get('content-type')).toBe(missing.headers.get('content-type'));
      expect(theirs.body.resourceType).toBe('OperationOutcome');
      expect(codeOf(theirs.body)).toBe('patient-not-found');
      expect(malformed.status).toBe(400);
      expect(codeOf(malformed.body)).toBe('invalid-nhs-number');
    },
  );

  it.each(ROLES)(
    "%s, fhir read by id: an entry exactly as the JSON entry route; another patient's entry exactly as one that does not exist",
    async (role) => {
      const token = tokens.get(role) ?? '';
      const consultation = (nhs: string) => entries[`ConsultationRecorded:${nhs}`]?.eventId ?? '';
      const [mine, theirs, missing, history, json] = await Promise.all([
        requestJson(`${platform.baseUrl}/fhir/R4/Encounter/${consultation(own)}`, { token }),
        requestJson(`${platform.baseUrl}/fhir/R4/Encounter/${consultation(other)}`, { token }),
        requestJson(`${platform.baseUrl}/fhir/R4/Encounter/${randomUUID()}`, { token }),
        requestJson(`${platform.baseUrl}/fhir/R4/Encounter/${consultation(own)}/_history`, {
          token,
        }),
        requestJson(`${platform.baseUrl}/v1/patients/${own}/entries/${consultation(own)}`, {
          token,
        }),
      ]);
      expect(json.status === 200 ? 200 : 404).toBe(mine.status);
      expect(history.status).toBe(mine.status);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(missing.body);
      expect(theirs.headers.get('content-type')).toBe(missing.headers.get('content-type'));
    },
  );
});
