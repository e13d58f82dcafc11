import { mintLocalNhsLoginToken } from '@carelog/auth';
import { nextTestNhsNumber, requestJson } from '@carelog/testing';
import { startRecordApiInProcess, type InProcessRecordApi } from '../record-api.in-process';

type Problem = { code: string; field?: string; status: number };

/**
 * The record API in-process on real Postgres and Kafka: NHS login callers below identity
 * proofing level P9 are refused before any record data is read, and the refusal is audited.
 */
describe('record API: NHS login identity proofing (P9 to read a record)', () => {
  const own = nextTestNhsNumber();
  let api: InProcessRecordApi;
  let url: string;

  beforeAll(async () => {
    api = await startRecordApiInProcess('proofing');
    url = api.url;
  });

  afterAll(() => api?.close());

  const audited = (userId: string) =>
    api.db.query<Array<{ outcome: string; nhs_number: string; action: string }>>(
      `SELECT outcome, nhs_number, action FROM "${api.env.CARELOG_AUDIT_SCHEMA}".access_event
        WHERE actor->>'userId' = $1 ORDER BY seq`,
      [userId],
    );

  it('answers a P9 patient their own record', async () => {
    const token = await mintLocalNhsLoginToken({
      userId: 'p9-patient',
      nhsNumber: own,
      proofingLevel: 'P9',
    });
    const response = await requestJson(`${url}/v1/patients/${own}/record`, { token });
    expect(response.status).toBe(200);
    expect(await audited('p9-patient')).toEqual([
      { outcome: 'allowed', nhs_number: own, action: 'read-record' },
    ]);
  });

  it.each([
    ['P5', 'P5'],
    ['P0', 'P0'],
    ['no level', null],
  ])(
    'refuses a patient at %s with 403 identity-proofing-insufficient, audited as denied',
    async (label, level) => {
      const userId = `patient-${label.replace(' ', '-')}`;
      const token = await mintLocalNhsLoginToken({ userId, nhsNumber: own, proofingLevel: level });
      for (const path of ['record', 'journal']) {
        const response = await requestJson<Problem & { entries?: unknown }>(
          `${url}/v1/patients/${own}/${path}`,
          { token },
        );
        expect(response.status).toBe(403);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.body).toMatchObject({
          code: 'identity-proofing-insufficient',
          field: 'Authorization',
        });
        expect(response.body.entries).toBeUndefined();
      }
      expect(await audited(userId)).toEqual([
        { outcome: 'denied', nhs_number: own, action: 'read-record' },
        { outcome: 'denied', nhs_number: own, action: 'read-journal' },
      ]);
    },
  );

  it('refuses a carer below P9 the same way', async () => {
    const token = await mintLocalNhsLoginToken({
      userId: 'p5-carer',
      proofingLevel: 'P5',
      carer: true,
    });
    const response = await requestJson<Problem>(`${url}/v1/patients/${own}/record`, { token });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('identity-proofing-insufficient');
    expect(await audited('p5-carer')).toEqual([
      { outcome: 'denied', nhs_number: own, action: 'read-record' },
    ]);
  });
});
