import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { mintLocalNhsLoginToken, mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import { ENTRY_TYPES, type Role } from '@carelog/domain';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';

/**
 * docs/architecture.md, "Trust model": could a person who has no reason to be in this record get into it
 * without anyone noticing? Sequences of API calls by users of an organisation with no
 * relationship (entries of every type, corrections, contributions, consents, care-team
 * changes, referral acceptances, relationship claims and break-glass with and without a
 * reason, reads): the only ways they ever read another organisation's entry leave a claim or a
 * break-glass that alerted the privacy officer who reviews them and shows in the patient's own
 * access log, and the read itself is marked there as made under it.
 */

const PRACTICE = 'A81001';
const UNRELATED = 'U77777';
/** The privacy officer that reviews the unrelated organisation's staff (its own config file). */
const OFFICER = 'PO7777';
const ROLES: Role[] = [
  'gp',
  'practice-nurse',
  'social-worker',
  'care-worker',
  'midwife',
  'health-visitor',
  'urgent-care',
  'community-nurse',
];
const SERVICE_OF: Record<string, string> = {
  gp: 'gp-records',
  'social-care': 'social-care',
  maternity: 'maternity',
  'urgent-care': 'urgent-care',
};
/** Every type a producer service takes at POST /v1/entries. */
const PRODUCER_TYPES = ENTRY_TYPES.filter((rule) => rule.domain in SERVICE_OF).map(
  (rule) => rule.type,
);

type Action =
  | { kind: 'entry'; role: Role; type: string; flagFor: 'none' | 'practice' | 'self' }
  | { kind: 'correct'; role: Role; amend: boolean }
  | { kind: 'contribution' | 'consent' | 'care-team' | 'accept-referral' | 'read'; role: Role }
  | { kind: 'break-glass' | 'claim'; role: Role; withReason: boolean };

const role = fc.constantFrom(...ROLES);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('entry' as const),
    role,
    type: fc.constantFrom(...PRODUCER_TYPES),
    flagFor: fc.constantFrom('none' as const, 'practice' as const, 'self' as const),
  }),
  fc.record({ kind: fc.constant('correct' as const), role, amend: fc.boolean() }),
  fc.record({
    kind: fc.constantFrom(
      'contribution' as const,
      'consent' as const,
      'care-team' as const,
      'accept-referral' as const,
      'read' as const,
    ),
    role,
  }),
  fc.record({
    kind: fc.constantFrom('break-glass' as const, 'claim' as const),
    role,
    withReason: fc.boolean(),
  }),
);

const example = (type: string): Record<string, unknown> => {
  const domain = ENTRY_TYPES.find((rule) => rule.type === type)?.domain ?? 'gp';
  return JSON.parse(
    readFileSync(join(schemasDir, 'examples', domain, `${type}.json`), 'utf8'),
  ) as Record<string, unknown>;
};

describe('users of an unrelated organisation, whatever they call', () => {
  const services = new Map<string, RunningService>();
  const log = serviceLog('unrelated-organisation.e2e');
  const officersFile = join(process.cwd(), '.local', `${uniqueName('privacy-officers')}.json`);
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('unrelated'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-unrelated'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_unrelated'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_unrelated'),
    CARELOG_PRIVACY_OFFICERS_FILE: officersFile,
  };
  const url = (name: string): string => {
    const found = services.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found.baseUrl;
  };

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.local'), { recursive: true });
    writeFileSync(
      officersFile,
      JSON.stringify({ privacyOfficers: [{ organisation: OFFICER, reviews: [UNRELATED] }] }),
    );
    const projection = startService({ name: 'projection', port: 4810, env, onOutput: log });
    services.set('projection', projection);
    await waitForReady(projection);
    const ports: Array<[Parameters<typeof startService>[0]['name'], number]> = [
      ['record-api', 4800],
      ['gp-records', 4801],
      ['social-care', 4802],
      ['maternity', 4803],
      ['urgent-care', 4804],
    ];
    for (const [name, port] of ports)
      services.set(name, startService({ name, port, env, onOutput: log }));
    await Promise.all([...services.values()].map((running) => waitForReady(running)));
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((running) => running.stop()));
  });

  const tokenOf = (as: Role) =>
    mintLocalToken({ role: as, organisation: UNRELATED, userId: `unrelated-${as}` });

  /** Given a patient of the practice with a consultation; when the actions run; then the invariant holds after each. */
  async function run(actions: Action[]): Promise<void> {
    const nhsNumber = nextTestNhsNumber();
    const practiceSystem = await mintLocalSystemToken({
      organisation: PRACTICE,
      entryTypes: ['RegistrationStarted'],
    });
    const gp = await mintLocalToken({ role: 'gp', organisation: PRACTICE });
    const post = (service: string, token: string, body: Record<string, unknown>, key: string) =>
      requestJson<{ eventId: string; code?: string }>(`${url(service)}/v1/entries`, {
        method: 'POST',
        token,
        headers: { 'Idempotency-Key': key },
        body: { ...body, patient: { nhsNumber } },
      });
    expect(
      (await post('gp-records', practiceSystem, example('RegistrationStarted'), uniqueName('r')))
        .status,
    ).toBe(202);
    const consultationKey = uniqueName('c');
    const consultation = await eventually(async () => {
      const response = await post(
        'gp-records',
        gp,
        example('ConsultationRecorded'),
        consultationKey,
      );
      expect(response.status).toBe(202);
      return response.body.eventId;
    });
    await eventually(async () => {
      const record = await requestJson<{ entries: Array<{ eventId: string }> }>(
        `${url('record-api')}/v1/patients/${nhsNumber}/record`,
        { token: gp },
      );
      expect(record.body.entries.map((entry) => entry.eventId)).toContain(consultation);
    });

    const brokeGlass = new Set<Role>();
    /** Claims of the unrelated organisation (any of its users): each gives all of it access. */
    const claims: string[] = [];
    const base = `${url('record-api')}/v1/patients/${nhsNumber}`;
    // The patient reads their own access log signed in through NHS login at P9.
    const patient = await mintLocalNhsLoginToken({ nhsNumber, proofingLevel: 'P9' });
    const officer = await mintLocalToken({ role: 'privacy-officer', organisation: OFFICER });
    interface Access {
      accessId: string;
      action: string;
      outcome: string;
      basis: string | null;
      actor: { userId: string };
    }
    interface Alert {
      accessId: string;
      kind: string;
      nhsNumber: string;
      actor: { userId: string };
    }
    /**
     * A read by this user showed the practice's entry: every such read is in the patient's access
     * log marked as made under a break-glass of this very user or a claim of their organisation,
     * and that break-glass or claim both alerted the privacy officer who reviews them and shows
     * in the patient's access log.
     */
    const readLeftATrace = async (as: Role) => {
      const me = `unrelated-${as}`;
      await eventually(async () => {
        const log = await requestJson<{ accesses: Access[] }>(`${base}/access-log?limit=500`, {
          token: patient,
        });
        const queue = await requestJson<{ alerts: Alert[] }>(
          `${url('record-api')}/v1/privacy/alerts?status=all`,
          { token: officer },
        );
        expect([log.status, queue.status]).toEqual([200, 200]);
        const alerts = queue.body.alerts.filter((alert) => alert.nhsNumber === nhsNumber);
        const reads = log.body.accesses.filter(
          (access) =>
            access.action === 'read-record' &&
            access.outcome === 'allowed' &&
            access.actor.userId === me,
        );
        expect(reads.length).toBeGreaterThan(0);
        for (const read of reads) {
          expect(['break-glass', 'claim']).toContain(read.basis);
          if (read.basis === 'break-glass') {
            expect(brokeGlass.has(as)).toBe(true);
            expect(alerts).toContainEqual(
              expect.objectContaining({
                kind: 'break-glass',
                actor: expect.objectContaining({ userId: me }),
              }),
            );
            expect(log.body.accesses).toContainEqual(
              expect.objectContaining({
                action: 'break-glass',
                outcome: 'allowed',
                actor: expect.objectContaining({ userId: me }),
              }),
            );
          } else {
            expect(claims.length).toBeGreaterThan(0);
            const alerted = alerts.filter(
              (alert) => alert.kind === 'claim' && claims.includes(alert.accessId),
            );
            expect(alerted.length).toBeGreaterThan(0);
            expect(
              log.body.accesses.filter(
                (access) =>
                  access.action === 'claim-relationship' && claims.includes(access.accessId),
              ).length,
            ).toBeGreaterThan(0);
          }
        }
      });
    };

    for (const step of actions) {
      const token = await tokenOf(step.role);
      const key = uniqueName('act');
      switch (step.kind) {
        case 'entry': {
          const rule = ENTRY_TYPES.find((candidate) => candidate.type === step.type);
          const body: Record<string, unknown> = {
            ...example(step.type),
            occurredAt: new Date().toISOString(),
          };
          if (step.flagFor !== 'none')
            body['attention'] = {
              role: 'gp',
              organisation: step.flagFor === 'practice' ? PRACTICE : UNRELATED,
              reason: 'please look',
            };
          const response = await post(
            SERVICE_OF[rule?.domain ?? 'gp'] ?? 'gp-records',
            token,
            body,
            key,
          );
          // Nothing they write is recorded: no relationship, and none they can start, unless a
          // claim of their organisation (alerted, shown to the patient) made them one.
          if (claims.length === 0) expect(response.status).not.toBe(202);
          else expect(response.status).toBeLessThan(500);
          break;
        }
        case 'correct': {
          const response = await requestJson(
            `${url('gp-records')}/v1/entries/${consultation}/corrections`,
            {
              method: 'POST',
              token,
              headers: { 'Idempotency-Key': key },
              body: step.amend
                ? {
                    kind: 'amended',
                    reason: 'rewrite',
                    payload: { narrative: 'Nothing wrong.', codedItems: [] },
                  }
                : { kind: 'entered-in-error', reason: 'hide it' },
            },
          );
          expect(response.status).toBe(403);
          break;
        }
        case 'contribution':
        case 'consent':
        case 'care-team':
        case 'accept-referral': {
          const request = {
            contribution: {
              path: `${base}/contributions`,
              method: 'POST',
              body: example('PatientNoteAdded'),
            },
            consent: {
              path: `${base}/consents/seals/${consultation}`,
              method: 'PUT',
              body: { sealedFrom: { kind: 'organisation', value: PRACTICE } },
            },
            'care-team': {
              path: `${base}/care-team/${UNRELATED}`,
              method: 'PUT',
              body: { role: step.role, reason: 'we would like to help' },
            },
            'accept-referral': {
              path: `${base}/referrals/${consultation}/acceptance`,
              method: 'POST',
              body: {},
            },
          }[step.kind];
          const response = await requestJson(request.path, {
            method: request.method,
            token,
            headers: { 'Idempotency-Key': key },
            body: request.body,
          });
          // A claim hands nothing over either: the care team stays shut to them.
          expect([403, 404]).toContain(response.status);
          break;
        }
        case 'claim': {
          const response = await requestJson<{ eventId: string; code?: string }>(
            `${base}/relationship-claims`,
            {
              method: 'POST',
              token,
              headers: { 'Idempotency-Key': key },
              body: step.withReason
                ? { reason: 'Community falls team; referral letter awaited.' }
                : {},
            },
          );
          if (step.withReason) {
            expect(response.status).toBe(202);
            claims.push(response.body.eventId);
            // The claim takes effect (the claimant reads the record), and leaves its trace.
            await eventually(async () =>
              expect((await requestJson(`${base}/record`, { token })).status).toBe(200),
            );
            await readLeftATrace(step.role);
          } else expect(response.body.code).toBe('claim-reason-required');
          break;
        }
        case 'break-glass': {
          const response = await requestJson(
            `${url('record-api')}/v1/patients/${nhsNumber}/break-glass`,
            {
              method: 'POST',
              token,
              body: step.withReason ? { reason: 'Unconscious in ED, no history available.' } : {},
            },
          );
          if (step.withReason) {
            expect(response.status).toBe(201);
            brokeGlass.add(step.role);
          } else expect(response.status).toBe(400);
          break;
        }
        case 'read': {
          const response = await requestJson<{ entries?: Array<{ eventId: string }> }>(
            `${url('record-api')}/v1/patients/${nhsNumber}/record`,
            { token },
          );
          const sawPractice = (response.body.entries ?? []).some(
            (entry) => entry.eventId === consultation,
          );
          if (response.status === 200 || sawPractice) {
            await readLeftATrace(step.role);
          } else expect(response.status).toBe(404);
          break;
        }
      }
    }
  }

  it('never read another organisation’s entry but under a claim or break-glass that alerted the privacy officer and shows in the patient’s access log', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), (actions) =>
        run(actions),
      ),
      {
        numRuns: 15,
        // A claim's holder adding itself to the care team would turn the claim into a lasting
        // relationship under which its reads are no longer claim reads (a claim hands nothing over).
        examples: [
          [
            [
              { kind: 'claim', role: 'gp', withReason: true },
              { kind: 'care-team', role: 'gp' },
              { kind: 'read', role: 'practice-nurse' },
            ],
          ],
        ],
      },
    );
  }, 600_000);
});
