import { mintLocalNhsLoginToken, mintLocalToken } from '@carelog/auth';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';
import { startRecordApiInProcess, type InProcessRecordApi } from '../record-api.in-process';

type Labels = Record<string, string>;
type Sample = { name: string; labels: Labels; value: number };

/** Every sample of the Prometheus text exposition (comments left out). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels: Labels = {};
      for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
        labels[pair[1] ?? ''] = pair[2] ?? '';
      return { name: match[1] ?? '', labels, value: Number(match[3]) };
    });
}

/** The sample's value, 0 when the series is not there. */
function valueOf(all: Sample[], name: string, labels: Labels = {}): number {
  const found = all.find(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return found?.value ?? 0;
}

const OVERSIGHT_METRICS =
  /^carelog_(break_glass_requests|relationship_claims|privacy_alerts?_|audit_(verifications|chain_ok|verification_timestamp|verified_rows))/;

/**
 * The record API in-process on real Postgres and Kafka: its /metrics counts break-glass
 * grants and refusals, claims made and refused, the alerts awaiting a privacy officer's
 * review and the audit chain's verification, each moved by a real request (or a real
 * tampering), and none of their labels carries an NHS number, an id or a stated reason.
 */
describe('record API: oversight metrics (break-glass, claims, audit verification)', () => {
  const nhsNumber = nextTestNhsNumber();
  const userId = uniqueName('paramedic');
  const organisation = 'RRK';
  const breakGlassReason = 'Unconscious at roadside, needs allergy history';
  const claimReason = 'Reviewing after a fall; discharge letter not yet received';
  let api: InProcessRecordApi;
  let staff: string;
  const texts: string[] = [];

  const scrape = async (): Promise<Sample[]> => {
    const response = await fetch(`${api.url}/metrics`, { signal: AbortSignal.timeout(20_000) });
    expect(response.status).toBe(200);
    const text = await response.text();
    texts.push(text);
    return samples(text);
  };

  beforeAll(async () => {
    // Verified every second here (an hour by default), so that a tampering shows quickly.
    process.env['CARELOG_AUDIT_VERIFY_SECONDS'] = '1';
    api = await startRecordApiInProcess('oversight_metrics');
    staff = await mintLocalToken({ role: 'urgent-care', organisation, userId });
  });

  afterAll(async () => {
    await api?.close();
    delete process.env['CARELOG_AUDIT_VERIFY_SECONDS'];
  });

  const breakGlass = (token: string, body: unknown) =>
    requestJson<{ code?: string }>(`${api.url}/v1/patients/${nhsNumber}/break-glass`, {
      method: 'POST',
      token,
      body,
    });

  it('counts a break-glass granted, and one refused by its code, and the alert awaits review', async () => {
    const before = await scrape();
    const refused = await breakGlass(staff, { reason: 'urgent' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('break-glass-reason-required');
    const patient = await mintLocalNhsLoginToken({
      userId: uniqueName('patient'),
      nhsNumber,
      proofingLevel: 'P9',
    });
    expect((await breakGlass(patient, { reason: 'I want to see it all' })).status).toBe(403);
    expect((await breakGlass(staff, { reason: breakGlassReason })).status).toBe(201);

    const after = await scrape();
    const delta = (labels: Labels) =>
      valueOf(after, 'carelog_break_glass_requests_total', labels) -
      valueOf(before, 'carelog_break_glass_requests_total', labels);
    expect(delta({ outcome: 'granted', code: 'none' })).toBe(1);
    expect(delta({ outcome: 'refused', code: 'break-glass-reason-required' })).toBe(1);
    expect(delta({ outcome: 'refused', code: 'not-permitted' })).toBe(1);
    // This test's audit schema holds this one grant only.
    expect(valueOf(after, 'carelog_privacy_alerts_awaiting_review', { kind: 'break-glass' })).toBe(
      1,
    );
    expect(
      valueOf(after, 'carelog_privacy_alert_oldest_awaiting_review_seconds', {
        kind: 'break-glass',
      }),
    ).toBeGreaterThan(0);
    expect(valueOf(after, 'carelog_privacy_alerts_awaiting_review', { kind: 'claim' })).toBe(0);
  });

  it('counts a claim made, a retry of it as replayed, and one refused by its code', async () => {
    const claim = (body: unknown, key: string) =>
      requestJson<{ code?: string }>(`${api.url}/v1/patients/${nhsNumber}/relationship-claims`, {
        method: 'POST',
        token: staff,
        headers: { 'Idempotency-Key': key },
        body,
      });
    const before = await scrape();
    const key = uniqueName('claim');
    expect((await claim({ reason: claimReason }, key)).status).toBe(202);
    expect((await claim({ reason: claimReason }, key)).status).toBe(202);
    const refused = await claim({}, uniqueName('claim'));
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('claim-reason-required');

    const after = await scrape();
    const delta = (labels: Labels) =>
      valueOf(after, 'carelog_relationship_claims_total', labels) -
      valueOf(before, 'carelog_relationship_claims_total', labels);
    expect(delta({ outcome: 'claimed', code: 'none' })).toBe(1);
    expect(delta({ outcome: 'replayed', code: 'none' })).toBe(1);
    expect(delta({ outcome: 'refused', code: 'claim-reason-required' })).toBe(1);
    expect(valueOf(after, 'carelog_privacy_alerts_awaiting_review', { kind: 'claim' })).toBe(1);
  });

  it('reports the audit chain verified (1) and then broken (0) once a row is edited', async () => {
    let verifiedAt = 0;
    await eventually(async () => {
      const now = await scrape();
      expect(valueOf(now, 'carelog_audit_chain_ok')).toBe(1);
      expect(valueOf(now, 'carelog_audit_verifications_total', { result: 'ok' })).toBeGreaterThan(
        0,
      );
      // Verified after the rows above were written: they are all in the chain.
      expect(valueOf(now, 'carelog_audit_verified_rows')).toBeGreaterThanOrEqual(4);
      verifiedAt = valueOf(now, 'carelog_audit_verification_timestamp_seconds');
    });
    expect(Math.abs(verifiedAt - Date.now() / 1000)).toBeLessThan(120);
    const brokenBefore = valueOf(await scrape(), 'carelog_audit_verifications_total', {
      result: 'broken',
    });

    // Edited as someone able to bypass the append-only trigger could.
    const table = `"${api.env.CARELOG_AUDIT_SCHEMA}".access_event`;
    await api.db.query(`ALTER TABLE ${table} DISABLE TRIGGER access_event_append_only`);
    await api.db.query(`UPDATE ${table} SET outcome = 'allowed' WHERE outcome = 'denied'`);
    await api.db.query(`ALTER TABLE ${table} ENABLE TRIGGER access_event_append_only`);

    await eventually(async () => {
      const now = await scrape();
      expect(valueOf(now, 'carelog_audit_chain_ok')).toBe(0);
      expect(
        valueOf(now, 'carelog_audit_verifications_total', { result: 'broken' }),
      ).toBeGreaterThan(brokenBefore);
      expect(valueOf(now, 'carelog_audit_verification_timestamp_seconds')).toBeGreaterThan(
        verifiedAt,
      );
    });
  });

  it('labels them only with fixed words: no NHS number, id, organisation or reason', () => {
    const text = texts.join('\n');
    for (const secret of [nhsNumber, userId, organisation, breakGlassReason, claimReason])
      expect(text).not.toContain(secret);
    const oversight = texts
      .flatMap(samples)
      .filter((sample) => OVERSIGHT_METRICS.test(sample.name));
    const labelValues = new Set(oversight.flatMap((sample) => Object.values(sample.labels)));
    expect(labelValues).toEqual(
      new Set([
        'granted',
        'refused',
        'replayed',
        'claimed',
        'none',
        'not-permitted',
        'break-glass-reason-required',
        'claim-reason-required',
        'break-glass',
        'claim',
        'repeated-refusals',
        'ok',
        'broken',
        'failed',
      ]),
    );
    for (const value of labelValues) {
      expect(value).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(value).not.toMatch(/\d{10}|[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
  });
});
