import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { loadEventCodec } from '@carelog/codec';
import { createKafka, recordEntryTopic } from '@carelog/kafka';
import { startService, waitForReady, type RunningService, serviceLog } from '@carelog/local-infra';
import {
  eventually,
  nextTestNhsNumber,
  readPartition,
  requestJson,
  uniqueName,
} from '@carelog/testing';

interface Medicine {
  medicationId: string;
  status: 'current' | 'stopped';
  medication: { display: string } | null;
  latestPrescription: { stage: string; dispensedBy: string | null } | null;
  stopped: { at: string; reason: string } | null;
  history: Array<{ type: string; reason: string | null }>;
}
interface Medicines {
  current: Medicine[];
  stopped: Medicine[];
}
type Accepted = { eventId: string; topic: string };

/** Clinical times a few days ago: a nomination lasts as long as a prescription is valid. */
const daysAgo = (days: number, hour = 9): string => {
  const at = new Date(Date.now() - days * 86_400_000);
  at.setUTCHours(hour, 0, 0, 0);
  return at.toISOString();
};

const PRACTICE = 'A81001';
const PHARMACY = 'FA123';
const OTHER_PHARMACY = 'FB456';
const AMLODIPINE = {
  system: 'https://dmd.nhs.uk',
  code: '318135001',
  display: 'Amlodipine 5mg tablets',
};
const RAMIPRIL = {
  system: 'https://dmd.nhs.uk',
  code: '318885001',
  display: 'Ramipril 2.5mg capsules',
};

/**
 * A medicine's whole life through real processes: the practice prescribes and issues to the
 * patient's nominated pharmacy, the pharmacist dispenses, the patient sees where each
 * prescription stands; a stopped medicine leaves the current list with its reason kept; a
 * pharmacy with no relationship is refused and publishes nothing; a carer outside the
 * medicines section gets nothing.
 */
describe('current medicines: prescribed, issued, dispensed by a pharmacy, stopped', () => {
  const services: RunningService[] = [];
  const log = serviceLog('medicines-pharmacy.e2e');
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_PROJECTION_GROUP: uniqueName('projection-medicines-e2e'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_medicines_e2e'),
  };
  const nhsNumber = nextTestNhsNumber();
  let api: RunningService;
  let gp: RunningService;
  let pharmacy: RunningService;
  let gpToken: string;
  let patientToken: string;
  let pharmacistToken: string;

  const post = (service: RunningService, token: string, body: unknown) =>
    requestJson<Accepted & { code?: string; field?: string }>(`${service.baseUrl}/v1/entries`, {
      method: 'POST',
      token,
      headers: { 'Idempotency-Key': uniqueName('key') },
      body: { patient: { nhsNumber }, ...(body as object) },
    });
  /** Posts until accepted: a write waits for the relationship the projection has yet to record. */
  const accepted = (service: RunningService, token: string, body: unknown) =>
    eventually(
      async () => {
        const response = await post(service, token, body);
        expect(response.status).toBe(202);
        return response.body;
      },
      { timeoutMs: 90_000 },
    );
  const medicines = (token: string) =>
    requestJson<Medicines>(`${api.baseUrl}/v1/patients/${nhsNumber}/medicines`, { token });

  beforeAll(async () => {
    const projection = startService({ name: 'projection', port: 5190, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    gp = startService({ name: 'gp-records', port: 5181, env, onOutput: log });
    pharmacy = startService({ name: 'pharmacy', port: 5188, env, onOutput: log });
    api = startService({ name: 'record-api', port: 5180, env, onOutput: log });
    services.push(gp, pharmacy, api);
    await Promise.all([waitForReady(gp), waitForReady(pharmacy), waitForReady(api)]);
    gpToken = await mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'dr-meds' });
    patientToken = await mintLocalToken({
      role: 'patient',
      organisation: 'NHSLOGIN',
      userId: 'patient-meds',
      nhsNumber,
    });
    pharmacistToken = await mintLocalToken({
      role: 'pharmacist',
      organisation: PHARMACY,
      userId: 'pharmacist-meds',
    });
    const registration = await post(
      gp,
      await mintLocalSystemToken({ organisation: PRACTICE, entryTypes: ['RegistrationStarted'] }),
      {
        type: 'RegistrationStarted',
        occurredAt: daysAgo(30),
        payload: { registrationType: 'permanent' },
      },
    );
    expect(registration.status).toBe(202);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
  });

  let amlodipineIssue: string;

  it('a pharmacist dispenses a prescription sent to their pharmacy, and the patient sees it dispensed', async () => {
    const prescription = await accepted(gp, gpToken, {
      type: 'MedicationPrescribed',
      occurredAt: daysAgo(10, 9),
      payload: {
        medication: AMLODIPINE,
        dosageInstructions: 'One tablet once a day',
        quantity: '28 tablet',
        prescriptionType: 'repeat',
        indication: 'Hypertension',
        medicationId: 'med-amlodipine',
      },
    });
    const issue = await accepted(gp, gpToken, {
      type: 'MedicationIssued',
      occurredAt: daysAgo(10, 10),
      payload: {
        medication: AMLODIPINE,
        quantity: '28 tablet',
        issueNumber: 1,
        prescriptionEventId: prescription.eventId,
        medicationId: 'med-amlodipine',
        nominatedPharmacy: PHARMACY,
      },
    });
    amlodipineIssue = issue.eventId;
    // Before dispensing, the patient sees the prescription issued to the pharmacy.
    await eventually(
      async () => {
        const response = await medicines(patientToken);
        expect(response.status).toBe(200);
        expect(response.body.current).toEqual([
          expect.objectContaining({
            medicationId: 'med-amlodipine',
            latestPrescription: expect.objectContaining({ stage: 'issued' }),
          }),
        ]);
      },
      { timeoutMs: 60_000 },
    );
    // The issue named the pharmacy: once projected, its pharmacist may record the dispensing.
    const dispensing = await accepted(pharmacy, pharmacistToken, {
      type: 'MedicineDispensed',
      occurredAt: daysAgo(9, 15),
      payload: {
        medication: AMLODIPINE,
        quantity: '28 tablet',
        prescriptionEventId: issue.eventId,
        medicationId: null,
        epsPrescriptionId: null,
      },
    });
    expect(dispensing.topic).toBe(recordEntryTopic('pharmacy'));
    const seen = await eventually(
      async () => {
        const response = await medicines(patientToken);
        expect(response.status).toBe(200);
        expect(response.body.current[0]?.latestPrescription?.stage).toBe('dispensed');
        return response.body;
      },
      { timeoutMs: 60_000 },
    );
    expect(seen.current).toHaveLength(1);
    expect(seen.current[0]).toMatchObject({
      medicationId: 'med-amlodipine',
      status: 'current',
      medication: { display: 'Amlodipine 5mg tablets' },
      latestPrescription: { stage: 'dispensed', dispensedBy: PHARMACY },
    });
    expect(seen.current[0]?.history.map((item) => item.type)).toEqual([
      'MedicationPrescribed',
      'MedicationIssued',
      'MedicineDispensed',
    ]);
  }, 300_000);

  it('a stopped medicine leaves the current list, and its reason stays in its history', async () => {
    const stoppedAt = daysAgo(2, 11);
    await accepted(gp, gpToken, {
      type: 'MedicationPrescribed',
      occurredAt: daysAgo(8),
      payload: {
        medication: RAMIPRIL,
        dosageInstructions: 'One capsule once a day',
        quantity: '28 capsule',
        prescriptionType: 'repeat',
        indication: null,
        medicationId: 'med-ramipril',
      },
    });
    await eventually(
      async () => {
        const response = await medicines(patientToken);
        expect(response.body.current.map((medicine) => medicine.medicationId)).toContain(
          'med-ramipril',
        );
      },
      { timeoutMs: 60_000 },
    );
    await accepted(gp, gpToken, {
      type: 'MedicationStopped',
      occurredAt: stoppedAt,
      payload: {
        medicationId: 'med-ramipril',
        medication: RAMIPRIL,
        reason: 'Persistent dry cough',
      },
    });
    const after = await eventually(
      async () => {
        const response = await medicines(patientToken);
        expect(response.body.stopped).toHaveLength(1);
        return response.body;
      },
      { timeoutMs: 60_000 },
    );
    expect(after.current.map((medicine) => medicine.medicationId)).toEqual(['med-amlodipine']);
    expect(after.stopped[0]).toMatchObject({
      medicationId: 'med-ramipril',
      status: 'stopped',
      stopped: { at: stoppedAt, reason: 'Persistent dry cough' },
    });
    expect(after.stopped[0]?.history.at(-1)).toEqual(
      expect.objectContaining({ type: 'MedicationStopped', reason: 'Persistent dry cough' }),
    );
    // The GP sees the same (clinicians' view), the whole record still holds the stop.
    const gpView = await medicines(gpToken);
    expect(gpView.status).toBe(200);
    expect(gpView.body.stopped.map((medicine) => medicine.medicationId)).toEqual(['med-ramipril']);
  }, 300_000);

  it('refuses a pharmacist whose pharmacy has no relationship, and publishes nothing', async () => {
    const stranger = await mintLocalToken({
      role: 'pharmacist',
      organisation: OTHER_PHARMACY,
      userId: 'pharmacist-elsewhere',
    });
    const refused = await post(pharmacy, stranger, {
      type: 'MedicineDispensed',
      occurredAt: daysAgo(8, 10),
      payload: {
        medication: AMLODIPINE,
        quantity: '28 tablet',
        prescriptionEventId: amlodipineIssue,
        medicationId: 'med-amlodipine',
        epsPrescriptionId: null,
      },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: 'care-relationship-required',
      field: 'patient.nhsNumber',
    });
    // On the pharmacy topic, this patient has the one dispensing by the nominated pharmacy.
    const kafka = createKafka('medicines-e2e-reader');
    const admin = kafka.admin();
    await admin.connect();
    const topic = recordEntryTopic('pharmacy');
    const partitions = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const codec = loadEventCodec();
    const organisations: string[] = [];
    for (const { partition } of partitions)
      for (const message of await readPartition(kafka, topic, partition))
        if (message.key?.toString() === nhsNumber && message.value)
          organisations.push(codec.decode(message.value).event.source.organisation);
    expect(organisations).toEqual([PHARMACY]);
    // Nor may that pharmacy read the patient's medicines: answered as if there were no patient.
    const read = await medicines(stranger);
    expect(read.status).toBe(404);
  }, 120_000);

  it('gives a carer outside the medicines section nothing, and one within it the medicines', async () => {
    const approve = (carerUserId: string, scope: string[]) =>
      requestJson(`${api.baseUrl}/v1/patients/${nhsNumber}/consents/carers/${carerUserId}`, {
        method: 'PUT',
        token: patientToken,
        headers: { 'Idempotency-Key': uniqueName('carer') },
        body: {
          carerName: 'Sam',
          relationshipToPatient: 'son',
          scope,
          notifyOnCarePlanChange: false,
        },
      });
    expect((await approve('carer-no-meds', ['social-care'])).status).toBe(202);
    expect((await approve('carer-meds', ['medicines'])).status).toBe(202);
    const carer = (userId: string) =>
      mintLocalToken({ role: 'carer', organisation: 'NHSLOGIN', userId });
    const withoutScope = await carer('carer-no-meds');
    const withScope = await carer('carer-meds');
    const within = await eventually(
      async () => {
        const response = await medicines(withScope);
        expect(response.status).toBe(200);
        return response.body;
      },
      { timeoutMs: 60_000 },
    );
    expect(within.current.map((medicine) => medicine.medicationId)).toEqual(['med-amlodipine']);
    expect(within.stopped.map((medicine) => medicine.medicationId)).toEqual(['med-ramipril']);
    const outside = await eventually(
      async () => {
        const response = await medicines(withoutScope);
        expect(response.status).toBe(200);
        return response.body;
      },
      { timeoutMs: 60_000 },
    );
    expect(outside).toMatchObject({ current: [], stopped: [] });
  }, 180_000);
});
