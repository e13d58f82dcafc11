import { mintLocalNhsLoginToken } from '@carelog/auth';
import { nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';
import { startRecordApiInProcess, type InProcessRecordApi } from '../record-api.in-process';

type Problem = { code: string; field?: string; status: number };

/**
 * The record API in-process on real Postgres and Kafka (#19): a carer approval whose scope
 * names no journal section used to be recorded and gave the carer nothing; it is refused at
 * the route as problem+json naming the field, and nothing is published.
 */
describe('record API: a carer approval names real journal sections', () => {
  const patient = nextTestNhsNumber();
  let api: InProcessRecordApi;
  let token: string;

  beforeAll(async () => {
    api = await startRecordApiInProcess('carer_scope');
    token = await mintLocalNhsLoginToken({
      userId: 'scope-patient',
      nhsNumber: patient,
      proofingLevel: 'P9',
    });
  });

  afterAll(() => api?.close());

  const approve = (scope: unknown) =>
    requestJson<Problem & { eventId?: string }>(
      `${api.url}/v1/patients/${patient}/consents/carers/carer-jo`,
      {
        method: 'PUT',
        token,
        headers: { 'Idempotency-Key': uniqueName('carer') },
        body: {
          carerName: 'Jo Smith',
          relationshipToPatient: 'daughter',
          ...(scope === undefined ? {} : { scope }),
          notifyOnCarePlanChange: true,
        },
      },
    );

  it.each([
    ['names no journal section', ['care-plan', 'medication'], 'unknown-term', 'payload.scope[0]'],
    [
      'names one section and one that is not',
      ['medicines', 'appointments'],
      'unknown-term',
      'payload.scope[1]',
    ],
    ['is empty', [], 'empty-list', 'payload.scope'],
    ['is left out', undefined, 'empty-list', 'payload.scope'],
  ])(
    'refuses a scope that %s (400 problem+json, the field named)',
    async (_label, scope, code, field) => {
      const response = await approve(scope);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ code, field });
      expect(response.body.eventId).toBeUndefined();
    },
  );

  it('records a scope of journal sections', async () => {
    const response = await approve(['social-care', 'medicines']);
    expect(response.status).toBe(202);
    expect(response.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
