import { mintLocalNhsLoginToken } from '@carelog/auth';
import { nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';
import { startRecordApiInProcess, type InProcessRecordApi } from '../record-api.in-process';

type Answer = { code?: string; field?: string; eventId?: string };

/**
 * The record API in-process on real Postgres and Kafka: a consent decision's flags and reason
 * are what their schema says or refused (schemathesis found `effective: 12937428516` recorded
 * as an opt-out and `reason: {}` recorded as no reason), and nothing is published.
 */
describe('record API: consent decisions take only the values their schema declares', () => {
  const patient = nextTestNhsNumber();
  let api: InProcessRecordApi;
  let token: string;

  beforeAll(async () => {
    api = await startRecordApiInProcess('consent_bodies');
    token = await mintLocalNhsLoginToken({
      userId: 'consent-patient',
      nhsNumber: patient,
      proofingLevel: 'P9',
    });
  });

  afterAll(() => api?.close());

  const put = (path: string, body: unknown) =>
    requestJson<Answer>(`${api.url}/v1/patients/${patient}/consents/${path}`, {
      method: 'PUT',
      token,
      headers: { 'Idempotency-Key': uniqueName('consent') },
      body,
    });

  const sealedFrom = { kind: 'role', value: 'care-worker' };
  const entry = '3f1c2a9e-0d4b-4c57-9a61-2b7e8f0c1d23';

  it.each([
    ['opt-outs/type-1', { effective: 12937428516 }, 'effective'],
    ['opt-outs/type-1', { effective: 'false' }, 'effective'],
    [`seals/${entry}`, { sealed: 0, sealedFrom }, 'sealed'],
    ['carers/carer-jo', { approved: 'no' }, 'approved'],
    ['carers/carer-jo', { approved: false, reason: {} }, 'reason'],
    ['carers/carer-jo', { approved: false, reason: '' }, 'reason'],
  ])('PUT %s with %j is 400 naming the field', async (path, body, field) => {
    const response = await put(path, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: `invalid-${field}`, field });
    expect(response.body.eventId).toBeUndefined();
  });

  it('PUT carers/carer-jo revoking with a field a revocation does not take is 400 naming it', async () => {
    const response = await put('carers/carer-jo', { approved: false, scope: ['gp'] });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'invalid-body', field: 'scope' });
    expect(response.body.eventId).toBeUndefined();
  });

  it.each(['safeguarding', 'patient-sealed', 'dentistry'])(
    'PUT sharing/%s/A81001 is 400 invalid-category: only a legally protected category is shared',
    async (category) => {
      const response = await put(`sharing/${category}/A81001`, undefined);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'invalid-category', field: 'category' });
      expect(response.body.eventId).toBeUndefined();
    },
  );

  it.each([
    ['sharing/sexual-health/A81001', undefined],
    ['opt-outs/type-1', { effective: false }],
    ['opt-outs/type-1', {}],
    [`seals/${entry}`, { sealed: false, sealedFrom }],
    ['carers/carer-jo', { approved: false, reason: 'No longer caring for me.' }],
    ['carers/carer-jo', { approved: false }],
  ])('PUT %s with %j is recorded', async (path, body) => {
    const response = await put(path, body);
    expect(response.status).toBe(202);
    expect(response.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
