import { randomUUID } from 'node:crypto';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';

/**
 * docs/architecture.md, "Children", through the real processes: a birth creates the baby's own record,
 * linked to the mother's; the health visiting team the midwife handed the family to writes on
 * it; the mother (parental responsibility from the birth) reads it without the safeguarding
 * entry and with no count or answer that reveals it; anyone else acting for the child is told
 * the child does not exist; from 11 the parent reads only with the child's consent; a father
 * recorded by the GP practice reads until his responsibility ends; and the midwife loses the
 * mother and the baby a (short, configured) grace period after the maternity discharge.
 */

const MATERNITY = 'R1H';
const HEALTH_VISITING = 'RYX';
const PRACTICE = 'A81001';
/** A short grace, so that the test waits for the midwife's access to run out (0.02 h = 72 s). */
const GRACE_HOURS = '0.02';

type Json = Record<string, unknown>;
interface RecordPage {
  entries: Array<{ eventId: string; entryType: string }>;
  withheld: number | null;
}

describe("children's records, end to end", () => {
  const services = new Map<string, RunningService>();
  const log = serviceLog('children-records.e2e');
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('children'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-children'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_children'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_children'),
    CARELOG_MATERNITY_DISCHARGE_GRACE_HOURS: GRACE_HOURS,
  };
  const url = (name: string): string => {
    const found = services.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found.baseUrl;
  };

  const tokens: Record<string, string> = {};
  const mother = nextTestNhsNumber();
  const baby = nextTestNhsNumber();
  const father = nextTestNhsNumber();
  const stranger = nextTestNhsNumber();
  const nobody = nextTestNhsNumber();
  const olderMother = nextTestNhsNumber();
  const olderChild = nextTestNhsNumber();

  const patientToken = (nhsNumber: string): Promise<string> =>
    mintLocalToken({
      role: 'patient',
      organisation: 'NHSLOGIN',
      userId: `nhs-login-${nhsNumber}`,
      nhsNumber,
    });

  const post = (service: string, token: string, body: Json) =>
    requestJson<Json>(`${url(service)}/v1/entries`, {
      method: 'POST',
      token,
      headers: { 'Idempotency-Key': randomUUID() },
      body,
    });
  const entry = (
    nhsNumber: string,
    type: string,
    payload: Json,
    extra: Json = {},
    occurredAt = new Date(Date.now() - 60_000),
  ): Json => ({
    patient: { nhsNumber },
    type,
    occurredAt: occurredAt.toISOString(),
    payload,
    ...extra,
  });
  const read = (token: string, nhsNumber: string, query = '') =>
    requestJson<RecordPage & Json>(`${url('record-api')}/v1/patients/${nhsNumber}/record${query}`, {
      token,
    });
  const accepted = async (answer: Promise<{ status: number; body: Json }>): Promise<string> => {
    const { status, body } = await answer;
    expect({ status, body }).toMatchObject({ status: 202 });
    return String(body['eventId']);
  };

  beforeAll(async () => {
    const projection = startService({ name: 'projection', port: 5410, env, onOutput: log });
    services.set('projection', projection);
    await waitForReady(projection);
    const ports: Array<[Parameters<typeof startService>[0]['name'], number]> = [
      ['record-api', 5400],
      ['gp-records', 5401],
      ['social-care', 5402],
      ['maternity', 5403],
    ];
    for (const [name, port] of ports)
      services.set(name, startService({ name, port, env, onOutput: log }));
    await Promise.all([...services.values()].map((running) => waitForReady(running, 180_000)));

    tokens['midwife'] = await mintLocalToken({ role: 'midwife', organisation: MATERNITY });
    tokens['healthVisitor'] = await mintLocalToken({
      role: 'health-visitor',
      organisation: HEALTH_VISITING,
    });
    tokens['gp'] = await mintLocalToken({ role: 'gp', organisation: PRACTICE });
    tokens['maternitySystem'] = await mintLocalSystemToken({
      organisation: MATERNITY,
      entryTypes: ['MaternityBookingRecorded'],
    });
    tokens['gpSystem'] = await mintLocalSystemToken({
      organisation: PRACTICE,
      entryTypes: ['RegistrationStarted'],
    });
    for (const [name, nhsNumber] of Object.entries({
      mother,
      father,
      stranger,
      olderMother,
      olderChild,
    }))
      tokens[name] = await patientToken(nhsNumber);

    // The maternity system books both mothers; its midwife then reads them.
    const booking = {
      estimatedDueDate: '2026-12-03',
      gravida: 1,
      parity: 0,
      riskLevel: 'low',
      leadProfessional: 'midwife',
    };
    for (const booked of [mother, olderMother])
      await accepted(
        post(
          'maternity',
          tokens['maternitySystem'] ?? '',
          entry(booked, 'MaternityBookingRecorded', booking, {}, new Date('2014-01-10T09:00:00Z')),
        ),
      );
    await eventually(
      async () => expect((await read(tokens['midwife'] ?? '', mother)).status).toBe(200),
      { timeoutMs: 120_000 },
    );
  }, 420_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((running) => running.stop()));
  });

  const birth = (babyNhsNumber: string, birthTime: Date): Json => ({
    birthTime: birthTime.toISOString(),
    deliveryMethod: {
      system: 'http://snomed.info/sct',
      code: '48782003',
      display: 'Delivery normal',
    },
    babyNhsNumber,
    birthWeightGrams: 3420,
    gestationWeeks: 40,
    sexAtBirth: 'female',
    birthOrder: 1,
  });

  it("creates the baby's own record from the birth, linked both ways with the mother's", async () => {
    const midwife = tokens['midwife'] ?? '';
    // A birth must name the baby's own NHS number.
    const unnamed = await post(
      'maternity',
      midwife,
      entry(mother, 'BirthRecorded', { ...birth(baby, new Date()), babyNhsNumber: mother }),
    );
    expect(unnamed.body).toMatchObject({ status: 422, code: 'baby-nhs-number-required' });

    await accepted(
      post(
        'maternity',
        midwife,
        entry(mother, 'BirthRecorded', birth(baby, new Date(Date.now() - 3_600_000))),
      ),
    );
    // The midwife who cared for the mother reads the baby's record (the family's caseload).
    await eventually(async () => expect((await read(midwife, baby)).status).toBe(200), {
      timeoutMs: 60_000,
    });
    const fromBaby = await requestJson<Json>(`${url('record-api')}/v1/patients/${baby}/family`, {
      token: midwife,
    });
    expect(fromBaby.body).toMatchObject({ links: [{ nhsNumber: mother, relation: 'mother' }] });
    const fromMother = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${mother}/family`,
      { token: midwife },
    );
    expect(fromMother.body).toMatchObject({ links: [{ nhsNumber: baby, relation: 'child' }] });
    // Another NHS number is never made someone's baby.
    const taken = await post(
      'maternity',
      midwife,
      entry(mother, 'BirthRecorded', birth(baby, new Date())),
    );
    expect(taken.body).toMatchObject({ status: 409, code: 'baby-record-exists' });
  }, 180_000);

  let reviewId = '';
  let safeguardingId = '';

  it('lets the health visiting team the midwife handed the family to write on the child, not the mother', async () => {
    await accepted(
      post(
        'maternity',
        tokens['midwife'] ?? '',
        entry(mother, 'CaseloadTransferredToHealthVisiting', {
          healthVisitingOrganisation: HEALTH_VISITING,
          transferDate: new Date().toISOString().slice(0, 10),
          childNhsNumber: baby,
        }),
      ),
    );
    const review = (nhsNumber: string) =>
      entry(nhsNumber, 'HealthVisitorReviewRecorded', {
        reviewStage: 'new-birth',
        childNhsNumber: baby,
        narrative: 'New birth visit. Feeding well; safe sleep discussed.',
        concerns: [],
      });
    reviewId = await eventually(
      () => accepted(post('maternity', tokens['healthVisitor'] ?? '', review(baby))),
      { timeoutMs: 60_000 },
    );
    const onMother = await post('maternity', tokens['healthVisitor'] ?? '', review(mother));
    expect(onMother.body).toMatchObject({
      status: 422,
      code: 'child-record-required',
      field: 'patient.nhsNumber',
    });
  }, 120_000);

  it("shows the mother her baby's record without the safeguarding entry, and no count or answer reveals it", async () => {
    const parent = tokens['mother'] ?? '';
    const before = await eventually(
      async () => {
        const answer = await read(parent, baby);
        expect(answer.status).toBe(200);
        expect(answer.body.entries.map((shown) => shown.eventId)).toContain(reviewId);
        return answer.body;
      },
      { timeoutMs: 60_000 },
    );
    const journalBefore = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${baby}/journal`,
      { token: parent },
    );
    expect(journalBefore.status).toBe(200);

    safeguardingId = await accepted(
      post(
        'social-care',
        tokens['healthVisitor'] ?? '',
        entry(
          baby,
          'SafeguardingConcernRaised',
          {
            concernType: 'neglect',
            narrative: 'Unexplained bruising noted at the new birth visit.',
            immediateRisk: false,
            referredTo: 'Children’s safeguarding hub',
          },
          { sensitivity: ['safeguarding'] },
        ),
      ),
    );
    // Projected: the health visitor (safeguarding-trained) sees it.
    await eventually(
      async () =>
        expect(
          (await read(tokens['healthVisitor'] ?? '', baby)).body.entries.map((e) => e.eventId),
        ).toContain(safeguardingId),
      { timeoutMs: 60_000 },
    );

    const after = await read(parent, baby);
    expect(after.status).toBe(200);
    expect(after.body.entries).toEqual(before.entries);
    expect(after.body.withheld).toBe(before.withheld);
    const journalAfter = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${baby}/journal`,
      { token: parent },
    );
    expect(journalAfter.body['withheld']).toBe(journalBefore.body['withheld']);
    expect(JSON.stringify(journalAfter.body)).not.toContain(safeguardingId);
    const filtered = await read(parent, baby, '?type=SafeguardingConcernRaised');
    expect(filtered.body.entries).toEqual([]);
    const direct = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${baby}/entries/${safeguardingId}`,
      { token: parent },
    );
    const missing = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${baby}/entries/${randomUUID()}`,
      { token: parent },
    );
    expect({ status: direct.status, code: direct.body['code'] }).toEqual({
      status: missing.status,
      code: missing.body['code'],
    });
    const history = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${baby}/entries/${safeguardingId}/history`,
      { token: parent },
    );
    expect(history.status).toBe(missing.status);
    // The parent only reads: the child's consents and access log are the child's.
    const seal = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${baby}/consents/seals/${reviewId}`,
      {
        method: 'PUT',
        token: parent,
        headers: { 'Idempotency-Key': randomUUID() },
        body: { sealedFrom: { kind: 'organisation', value: PRACTICE } },
      },
    );
    expect(seal.status).toBe(403);
  }, 180_000);

  it('answers anyone else acting for the child exactly as a patient that does not exist', async () => {
    const other = await read(tokens['stranger'] ?? '', baby);
    const none = await read(tokens['stranger'] ?? '', nobody);
    expect(other.status).toBe(404);
    expect(other.body).toEqual(none.body);
    // The father has no parental responsibility recorded yet.
    expect((await read(tokens['father'] ?? '', baby)).status).toBe(404);
  }, 60_000);

  it('lets a father the GP practice recorded read, until his responsibility ends; the baby registers as anyone does', async () => {
    const gp = tokens['gp'] ?? '';
    // A practice that does not register the child may not record it.
    const early = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${baby}/parental-responsibility/${father}`,
      {
        method: 'PUT',
        token: gp,
        headers: { 'Idempotency-Key': randomUUID() },
        body: { relationshipToChild: 'father', basis: 'birth-registration' },
      },
    );
    expect(early.body).toMatchObject({ status: 403, code: 'care-relationship-required' });
    await accepted(
      post(
        'gp-records',
        tokens['gpSystem'] ?? '',
        entry(baby, 'RegistrationStarted', { registrationType: 'permanent' }),
      ),
    );
    await eventually(async () => expect((await read(gp, baby)).status).toBe(200), {
      timeoutMs: 60_000,
    });
    await eventually(
      () =>
        accepted(
          requestJson<Json>(
            `${url('record-api')}/v1/patients/${baby}/parental-responsibility/${father}`,
            {
              method: 'PUT',
              token: gp,
              headers: { 'Idempotency-Key': randomUUID() },
              body: { relationshipToChild: 'father', basis: 'birth-registration' },
            },
          ),
        ),
      { timeoutMs: 30_000 },
    );
    await eventually(
      async () => expect((await read(tokens['father'] ?? '', baby)).status).toBe(200),
      { timeoutMs: 60_000 },
    );
    await accepted(
      requestJson<Json>(
        `${url('record-api')}/v1/patients/${baby}/parental-responsibility/${father}/end`,
        {
          method: 'POST',
          token: gp,
          headers: { 'Idempotency-Key': randomUUID() },
          body: { reason: 'Court order.' },
        },
      ),
    );
    await eventually(
      async () => expect((await read(tokens['father'] ?? '', baby)).status).toBe(404),
      { timeoutMs: 60_000 },
    );
  }, 240_000);

  it('refuses the parent of a child of 11 or more until the child consents', async () => {
    const born = new Date(Date.now() - 12 * 365.25 * 24 * 3_600_000);
    await accepted(
      post(
        'maternity',
        tokens['midwife'] ?? '',
        entry(olderMother, 'BirthRecorded', birth(olderChild, born), {}, born),
      ),
    );
    // Projected: the midwife reads the child's record; the mother does not.
    await eventually(
      async () => expect((await read(tokens['midwife'] ?? '', olderChild)).status).toBe(200),
      { timeoutMs: 60_000 },
    );
    const refused = await read(tokens['olderMother'] ?? '', olderChild);
    expect(refused.status).toBe(404);
    expect(refused.body).toEqual((await read(tokens['olderMother'] ?? '', nobody)).body);
    // Only the child decides (not the parent on the child's behalf).
    const byParent = await requestJson<Json>(
      `${url('record-api')}/v1/patients/${olderChild}/consents/parental-access/${olderMother}`,
      {
        method: 'PUT',
        token: tokens['olderMother'] ?? '',
        headers: { 'Idempotency-Key': randomUUID() },
        body: { decision: 'allowed' },
      },
    );
    expect(byParent.status).toBe(404);
    await accepted(
      requestJson<Json>(
        `${url('record-api')}/v1/patients/${olderChild}/consents/parental-access/${olderMother}`,
        {
          method: 'PUT',
          token: tokens['olderChild'] ?? '',
          headers: { 'Idempotency-Key': randomUUID() },
          body: { decision: 'allowed' },
        },
      ),
    );
    await eventually(
      async () => expect((await read(tokens['olderMother'] ?? '', olderChild)).status).toBe(200),
      { timeoutMs: 60_000 },
    );
  }, 180_000);

  it('ends the midwife’s access to the mother and the baby a grace period after the discharge', async () => {
    const midwife = tokens['midwife'] ?? '';
    await accepted(
      post(
        'maternity',
        midwife,
        entry(
          mother,
          'MaternityDischargeRecorded',
          {
            dischargeDate: new Date().toISOString().slice(0, 10),
            summary: 'Discharged to health visiting after the day 28 check.',
          },
          {},
          new Date(),
        ),
      ),
    );
    // Within the grace the midwife still reads both; after it, neither; health visiting stays.
    expect((await read(midwife, baby)).status).toBe(200);
    await eventually(
      async () => {
        expect((await read(midwife, baby)).status).toBe(404);
        expect((await read(midwife, mother)).status).toBe(404);
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    );
    expect((await read(tokens['healthVisitor'] ?? '', baby)).status).toBe(200);
  }, 300_000);
});
