import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalToken } from '@carelog/auth';
import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import { entryTypeRule, type Role, type SourceDomain } from '@carelog/domain';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
} from '@carelog/kafka';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import {
  eventually,
  exampleEvent,
  OpenApiAnswers,
  requestJson,
  testNhsNumber,
  uniqueName,
} from '@carelog/testing';

type Entry = { eventId: string; sensitivity: string[] };
type Page = { entries: Entry[]; withheld: number | null };
type Access = {
  action: string;
  outcome: string;
  basis: string | null;
  actor: { userId: string; role: string; organisation: string };
  breakGlass: { reason: string } | null;
  claim: { reason: string } | null;
};
type Alert = {
  accessId: string;
  kind: string;
  actor: { userId: string; organisation: string };
  reason: string | null;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * The read side of the trust model through real processes (docs/architecture.md, "Access rules",
 * "As at", "Break-glass, privacy officers, audit", and claims): nothing reveals what is hidden,
 * as-at reads never show more than now and then, reconstructions, break-glass and claims.
 */
describe('record API trust: what a reader may see, as at, break-glass, privacy officers, claims', () => {
  const codec = loadEventCodec();
  const officersFile = join(process.cwd(), '.local', `${uniqueName('privacy-officers')}.json`);
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('trust'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_trust'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-trust'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_trust'),
    CARELOG_PRIVACY_OFFICERS_FILE: officersFile,
    CARELOG_BREAK_GLASS_REFUSALS_ALERT: '3',
  };
  const log = serviceLog('record-api-trust.e2e');
  const saved = { ...process.env };
  const services: RunningService[] = [];
  let api: RunningService;
  const patient = testNhsNumber(434_343);
  const sent: Record<string, UncheckedRecordEntryEvent> = {};
  const token = (role: Role, organisation: string, userId = `${role}-${organisation}`) =>
    mintLocalToken({ role, organisation, userId });
  let patientToken = '';
  const url = (path: string) => `${api.baseUrl}/v1/patients/${patient}${path}`;
  let answers: OpenApiAnswers | undefined;
  /** What an answer breaks of the schema the served document publishes for its operation. */
  async function problemsOf(operation: string, body: unknown): Promise<string[]> {
    answers ??= new OpenApiAnswers(
      (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as ConstructorParameters<
        typeof OpenApiAnswers
      >[0],
    );
    return answers.problems(operation, body);
  }
  async function expectAsDocumented(answered: Array<[string, unknown]>): Promise<void> {
    for (const [operation, body] of answered)
      expect({ operation, problems: await problemsOf(operation, body) }).toEqual({
        operation,
        problems: [],
      });
  }

  async function publish(
    name: string,
    type: string,
    organisation: string,
    extra: Partial<UncheckedRecordEntryEvent> & { payload?: Record<string, unknown> } = {},
  ): Promise<UncheckedRecordEntryEvent> {
    const rule = entryTypeRule(type);
    const domain: SourceDomain = rule?.domain === 'any' || !rule ? 'gp' : rule.domain;
    const made = {
      ...exampleEvent(type, {
        nhsNumber: patient,
        organisation,
        ...(extra.payload ? { payload: extra.payload } : {}),
      }),
      ...extra,
    };
    const producer = createKafka('trust-test').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    await producer.send({
      topic: recordEntryTopic(domain),
      acks: -1,
      messages: [{ key: patient, value: codec.encode(codec.fromJson(made)) }],
    });
    await producer.disconnect();
    sent[name] = made;
    return made;
  }

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.local'), { recursive: true });
    writeFileSync(
      officersFile,
      JSON.stringify({
        privacyOfficers: [
          { organisation: 'A81001', reviews: ['A81001', '716', 'NHS111', 'RRK', 'RXC'] },
          { organisation: 'ZZ999', reviews: ['ZZ999'] },
        ],
      }),
    );
    Object.assign(process.env, env);
    const admin = createKafka('trust-test').admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics());
    await admin.disconnect();
    await publish('registration', 'RegistrationStarted', 'A81001');
    await publish('case', 'CaseOpened', '716');
    await publish('encounter', 'TriageOutcomeRecorded', 'NHS111');
    await publish('concern1', 'SafeguardingConcernRaised', '716');
    await publish('concern2', 'SafeguardingConcernRaised', '716');
    await publish('visit', 'CareVisitRecorded', '716');
    await publish('consultation', 'ConsultationRecorded', 'A81001');
    // Flagged for the care worker, but legally protected from their organisation: a hidden task.
    await publish('hiddenFlag', 'ConsultationRecorded', 'A81001', {
      sensitivity: ['sexual-health'],
      attention: { role: 'care-worker', organisation: '716', reason: 'please check' },
    });
    patientToken = await mintLocalToken({
      role: 'patient',
      organisation: 'NHSLOGIN',
      userId: 'patient-trust',
      nhsNumber: patient,
    });
    const projection = startService({ name: 'projection', port: 4330, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    api = startService({ name: 'record-api', port: 4320, env, onOutput: log });
    services.push(api);
    await waitForReady(api);
    await eventually(
      async () => {
        const all = await requestJson<Page>(url('/record?limit=200'), { token: patientToken });
        // The patient sees all but the two safeguarding concerns (never shown to the patient).
        expect(all.body.entries).toHaveLength(6);
      },
      { timeoutMs: 60_000 },
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    const admin = createKafka('trust-test-cleanup').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
    await admin.disconnect();
    process.env = saved;
  });

  it('never counts a protected entry, for any reader who may not see it, with or without filters', async () => {
    const readers: Array<[string, string]> = [
      [patientToken, 'patient'],
      [await token('care-worker', '716'), 'care-worker'],
      [await token('urgent-care', 'NHS111'), 'urgent-care'],
    ];
    for (const [reader, name] of readers) {
      const filtered = await requestJson<Page>(url('/record?type=SafeguardingConcernRaised'), {
        token: reader,
      });
      expect({ name, filtered: filtered.body }).toEqual({
        name,
        filtered: { ...filtered.body, entries: [], withheld: null },
      });
      const whole = await requestJson<Page>(url('/record?limit=200'), { token: reader });
      const ids = whole.body.entries.map((entry) => entry.eventId);
      expect(ids).not.toContain(sent['concern1']?.eventId);
      // The patient's view leaves nothing out; the safeguarding concerns are not counted.
      if (name === 'patient') expect(whole.body.withheld).toBe(0);
      // 8 entries; at most the ones the reader may know of are shown or counted.
      const protectedCount = name === 'patient' ? 2 : name === 'care-worker' ? 3 : 3;
      expect(ids.length + (whole.body.withheld ?? 0)).toBe(8 - protectedCount);
    }
  });

  it("answers a hidden task's id as it answers a random id, in body and in time", async () => {
    const careWorker = await token('care-worker', '716');
    const hidden = sent['hiddenFlag']?.eventId ?? '';
    const ask = async (id: string) => {
      const started = performance.now();
      const response = await requestJson(`${api.baseUrl}/v1/tasks/${id}`, { token: careWorker });
      return { response, ms: performance.now() - started };
    };
    await eventually(
      async () => {
        const [task] = await requestJson<{ tasks: unknown[]; withheld: number }>(
          `${api.baseUrl}/v1/tasks`,
          { token: careWorker },
        ).then((list) => [list.body]);
        // The task exists (the projection has it) but is neither shown nor counted.
        expect(task?.tasks).toEqual([]);
        expect(task?.withheld).toBe(0);
      },
      { timeoutMs: 30_000 },
    );
    // Asked in pairs, one right after the other, and compared pair by pair: a machine whose
    // load changes during the test slows both of a pair alike, and so cannot fake or hide a
    // difference the way it could between two medians taken over the whole run.
    const differences: number[] = [];
    const times: number[] = [];
    for (let round = 0; round < 40; round++) {
      const [a, b] = round % 2 === 0 ? [hidden, randomUUID()] : [randomUUID(), hidden];
      const first = await ask(a);
      const second = await ask(b);
      const ms = new Map<string, number>();
      for (const [id, answer] of [
        [a, first],
        [b, second],
      ] as const) {
        expect(answer.response.status).toBe(404);
        expect(answer.response.body).toEqual({
          ...(answer.response.body as object),
          code: 'task-not-found',
        });
        ms.set(id === hidden ? 'hidden' : 'random', answer.ms);
        times.push(answer.ms);
      }
      differences.push((ms.get('hidden') ?? 0) - (ms.get('random') ?? 0));
    }
    expect(Math.abs(median(differences))).toBeLessThan(Math.max(6, 0.5 * median(times)));
  });

  it('as at a time before a reclassification shows nothing protected, and a privacy officer reconstructs exactly what was shown then', async () => {
    const urgentCare = await token('urgent-care', 'NHS111', 'paramedic-trust');
    const consultation = sent['consultation'];
    const before = await requestJson<Page>(url('/record?limit=200'), { token: urgentCare });
    expect(before.body.entries.map((entry) => entry.eventId)).toContain(consultation?.eventId);
    const journalBefore = await requestJson(url('/journal'), { token: urgentCare });
    const shownThen = new Date();
    // Whatever follows is recorded after the moment the view was shown.
    await eventually(() => expect(Date.now()).toBeGreaterThan(shownThen.getTime() + 5));
    // An amendment adds sexual-health: every version of the entry is protected from now on.
    await publish('amended', 'ConsultationRecorded', 'A81001', {
      eventId: randomUUID(),
      supersedes: { eventId: consultation?.eventId ?? '', reason: 'sexual health clinic letter' },
      sensitivity: ['sexual-health'],
      recordedAt: new Date(),
    });
    await eventually(
      async () =>
        expect(
          (await requestJson(url(`/entries/${consultation?.eventId ?? ''}`), { token: urgentCare }))
            .status,
        ).toBe(404),
      { timeoutMs: 30_000 },
    );
    const asAt = encodeURIComponent(shownThen.toISOString());
    const record = await requestJson<Page>(url(`/record?limit=200&asAt=${asAt}`), {
      token: urgentCare,
    });
    expect(record.status).toBe(200);
    expect(record.body.entries.map((entry) => entry.eventId)).not.toContain(consultation?.eventId);
    const journal = await requestJson(url(`/journal?asAt=${asAt}`), { token: urgentCare });
    expect(JSON.stringify(journal.body)).not.toContain(consultation?.eventId ?? 'none');

    const officer = await token('privacy-officer', 'A81001', 'po-trust');
    const reconstruct = (extra: Record<string, unknown>) =>
      requestJson<{ shown: Page; access: { allowed: boolean }; code?: string }>(
        `${api.baseUrl}/v1/privacy/reconstructions`,
        {
          method: 'POST',
          token: officer,
          body: {
            nhsNumber: patient,
            reader: { userId: 'paramedic-trust', role: 'urgent-care', organisation: 'NHS111' },
            asAt: shownThen.toISOString(),
            view: 'record',
            limit: 200,
            ...extra,
          },
        },
      );
    const noReason = await reconstruct({});
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe('reconstruction-reason-required');
    const rebuilt = await reconstruct({ reason: 'complaint ref 2026/114 from the patient' });
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.shown.entries).toEqual(before.body.entries);
    expect(rebuilt.body.shown.withheld).toEqual(before.body.withheld);
    const rebuiltJournal = await reconstruct({
      reason: 'complaint ref 2026/114 from the patient',
      view: 'journal',
    });
    // The same journal, entry for entry and line for line; only its asAt says when.
    expect(rebuiltJournal.body.shown).toEqual({
      ...(journalBefore.body as object),
      asAt: shownThen.toISOString(),
    });
    // The reconstruction is itself in the patient's access log, with its reason.
    const log = await requestJson<{ accesses: Array<Access & { review?: unknown }> }>(
      url('/access-log?limit=500'),
      { token: patientToken },
    );
    expect(log.body.accesses).toContainEqual(
      expect.objectContaining({
        action: 'reconstruct-view',
        actor: expect.objectContaining({ userId: 'po-trust', role: 'privacy-officer' }),
        review: expect.objectContaining({ reason: 'complaint ref 2026/114 from the patient' }),
      }),
    );
    // Both reconstructions and the log with the review, as the served document describes them.
    await expectAsDocumented([
      ['POST /v1/privacy/reconstructions', rebuilt.body],
      ['POST /v1/privacy/reconstructions', rebuiltJournal.body],
      ['GET /v1/patients/{nhsNumber}/access-log', log.body],
    ]);
    // The check is real: a field the document does not declare, or one it requires, fails it.
    expect(
      await problemsOf('POST /v1/privacy/reconstructions', {
        ...rebuilt.body,
        access: { ...rebuilt.body.access, extra: true },
      }),
    ).not.toEqual([]);
    const reviewed = log.body.accesses.find((access) => access.review);
    const withoutAlertId: Record<string, unknown> = { ...(reviewed?.review as object) };
    delete withoutAlertId['alertId'];
    expect(
      await problemsOf('GET /v1/patients/{nhsNumber}/access-log', {
        ...log.body,
        accesses: [{ ...reviewed, review: withoutAlertId }],
      }),
    ).not.toEqual([]);
    const outsider = await token('privacy-officer', 'ZZ999', 'po-elsewhere');
    const outOfScope = await requestJson<{ code: string }>(
      `${api.baseUrl}/v1/privacy/reconstructions`,
      {
        method: 'POST',
        token: outsider,
        body: {
          nhsNumber: patient,
          reader: { userId: 'paramedic-trust', role: 'urgent-care', organisation: 'NHS111' },
          asAt: shownThen.toISOString(),
          reason: 'curious about this patient',
        },
      },
    );
    expect(outOfScope.status).toBe(403);
    expect(outOfScope.body.code).toBe('reader-out-of-scope');
  });

  it('binds break-glass to user, organisation and role, marks every read under it, audits and alerts refusals, and scopes privacy officers', async () => {
    const asCareWorker = await token('care-worker', 'RRK', 'bg-user');
    const asGp = await token('gp', 'RRK', 'bg-user');
    const granted = await requestJson(url('/break-glass'), {
      method: 'POST',
      token: asCareWorker,
      body: { reason: 'Found collapsed at home, needs medication list' },
    });
    expect(granted.status).toBe(201);
    expect((await requestJson(url('/record'), { token: asCareWorker })).status).toBe(200);
    // The same user with another role's token holds no grant.
    expect((await requestJson(url('/record'), { token: asGp })).status).toBe(404);

    const refuser = await token('urgent-care', 'RRK', 'bg-refused');
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await requestJson<{ code: string }>(url('/break-glass'), {
        method: 'POST',
        token: refuser,
        body: { reason: 'urgent' },
      });
      expect(refused.body.code).toBe('break-glass-reason-required');
    }
    const log = await requestJson<{ accesses: Access[] }>(url('/access-log?limit=500'), {
      token: patientToken,
    });
    expect(log.body.accesses).toContainEqual(
      expect.objectContaining({
        action: 'read-record',
        basis: 'break-glass',
        actor: expect.objectContaining({ userId: 'bg-user', role: 'care-worker' }),
        breakGlass: expect.objectContaining({
          reason: 'Found collapsed at home, needs medication list',
        }),
      }),
    );
    expect(
      log.body.accesses.filter(
        (access) =>
          access.action === 'break-glass' &&
          access.outcome === 'denied' &&
          access.actor.userId === 'bg-refused',
      ),
    ).toHaveLength(3);

    const officer = await token('privacy-officer', 'A81001', 'po-trust');
    const alerts = await requestJson<{ alerts: Alert[] }>(`${api.baseUrl}/v1/privacy/alerts`, {
      token: officer,
    });
    expect(alerts.body.alerts).toContainEqual(
      expect.objectContaining({
        kind: 'repeated-refusals',
        actor: expect.objectContaining({ userId: 'bg-refused' }),
      }),
    );
    const glass = alerts.body.alerts.find(
      (alert) => alert.kind === 'break-glass' && alert.actor.userId === 'bg-user',
    );
    expect(glass).toBeDefined();

    // An officer of another organisation sees none of it.
    const outsider = await token('privacy-officer', 'ZZ999', 'po-elsewhere');
    const theirs = await requestJson<{ alerts: Alert[] }>(`${api.baseUrl}/v1/privacy/alerts`, {
      token: outsider,
    });
    expect(theirs.body.alerts).toEqual([]);
    const theirLog = await requestJson<{ accesses: Access[] }>(url('/access-log'), {
      token: outsider,
    });
    expect(
      theirLog.body.accesses.filter((access) => access.actor.organisation !== 'ZZ999'),
    ).toEqual([]);
    const notTheirs = await requestJson<{ code: string }>(
      `${api.baseUrl}/v1/privacy/alerts/${glass?.accessId ?? ''}/acknowledge`,
      { method: 'POST', token: outsider, body: { outcome: 'appropriate' } },
    );
    expect(notTheirs.status).toBe(404);

    const acknowledged = await requestJson<{ acknowledgement: { outcome: string } }>(
      `${api.baseUrl}/v1/privacy/alerts/${glass?.accessId ?? ''}/acknowledge`,
      {
        method: 'POST',
        token: officer,
        body: { outcome: 'appropriate', note: 'spoke to the carer' },
      },
    );
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.acknowledgement.outcome).toBe('appropriate');
    const again = await requestJson<{ code: string }>(
      `${api.baseUrl}/v1/privacy/alerts/${glass?.accessId ?? ''}/acknowledge`,
      { method: 'POST', token: officer, body: { outcome: 'appropriate' } },
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('alert-already-acknowledged');
    // The officer's own reads are audited.
    const officerLog = await requestJson<{ accesses: Access[] }>(url('/access-log?limit=500'), {
      token: patientToken,
    });
    expect(officerLog.body.accesses).toContainEqual(
      expect.objectContaining({
        action: 'acknowledge-alert',
        actor: expect.objectContaining({ userId: 'po-trust' }),
      }),
    );
    const all = await requestJson(`${api.baseUrl}/v1/privacy/alerts?status=all`, {
      token: officer,
    });
    await expectAsDocumented([
      ['GET /v1/privacy/alerts', alerts.body],
      ['GET /v1/privacy/alerts', all.body],
      ['POST /v1/privacy/alerts/{accessId}/acknowledge', acknowledged.body],
      ['GET /v1/patients/{nhsNumber}/access-log', officerLog.body],
    ]);
    expect(
      await problemsOf('POST /v1/privacy/alerts/{accessId}/acknowledge', {
        ...acknowledged.body,
        acknowledgement: { ...acknowledged.body.acknowledgement, extra: true },
      }),
    ).not.toEqual([]);
  });

  it('gives a claim with a reason access, an alert and an access-log entry; refuses one without', async () => {
    const claimant = await token('gp', 'RXC', 'claimant');
    expect((await requestJson(url('/record'), { token: claimant })).status).toBe(404);
    const beforeClaim = new Date();
    const noReason = await requestJson<{ code: string; field: string }>(
      url('/relationship-claims'),
      { method: 'POST', token: claimant, body: {} },
    );
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatchObject({ code: 'claim-reason-required', field: 'reason' });
    const claimKey = uniqueName('falls-clinic-claim');
    const claim = (reason: string) =>
      requestJson<{ eventId: string; expiresAt: string; code?: string }>(
        url('/relationship-claims'),
        {
          method: 'POST',
          token: claimant,
          headers: { 'Idempotency-Key': claimKey },
          body: { reason },
        },
      );
    const claimed = await claim('Falls clinic referral; letter not yet received');
    expect(claimed.status).toBe(202);
    // Sent again with the same key (a lost answer, say): the same claim, not a second one or
    // a 409; the same key for a different claim is refused.
    const again = await claim('Falls clinic referral; letter not yet received');
    expect({ status: again.status, body: again.body }).toMatchObject({
      status: 202,
      body: { eventId: claimed.body.eventId },
    });
    const other = await claim('Another reason altogether');
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency-key-reused');
    await eventually(
      async () => expect((await requestJson(url('/record'), { token: claimant })).status).toBe(200),
      { timeoutMs: 30_000 },
    );
    // As at a time before the claim, the claimant could not see the record: nothing is shown.
    const then = await requestJson<Page>(
      url(`/record?asAt=${encodeURIComponent(beforeClaim.toISOString())}`),
      { token: claimant },
    );
    expect(then.status).toBe(200);
    expect(then.body.entries).toEqual([]);
    expect(then.body.withheld).toBe(0);
    const officer = await token('privacy-officer', 'A81001', 'po-trust');
    const alerts = await requestJson<{ alerts: Alert[] }>(`${api.baseUrl}/v1/privacy/alerts`, {
      token: officer,
    });
    expect(alerts.body.alerts).toContainEqual(
      expect.objectContaining({
        kind: 'claim',
        accessId: claimed.body.eventId,
        reason: 'Falls clinic referral; letter not yet received',
      }),
    );
    const log = await requestJson<{ accesses: Access[] }>(url('/access-log?limit=500'), {
      token: patientToken,
    });
    expect(log.body.accesses).toContainEqual(
      expect.objectContaining({ action: 'claim-relationship', basis: 'claim' }),
    );
    expect(log.body.accesses).toContainEqual(
      expect.objectContaining({
        action: 'read-record',
        outcome: 'allowed',
        basis: 'claim',
        actor: expect.objectContaining({ userId: 'claimant' }),
        claim: expect.objectContaining({
          reason: 'Falls clinic referral; letter not yet received',
        }),
      }),
    );
  });
});
