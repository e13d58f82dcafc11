import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import { ENTRY_TYPES, type Role } from '@carelog/domain';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';

/**
 * DESIGN.md, "Trust model": could a person who has no reason to be in this record get into it
 * without anyone noticing? Sequences of API calls by users of an organisation with no
 * relationship (entries of every type, corrections, contributions, consents, care-team
 * changes, referral acceptances, break-glass with and without a reason, reads): the only way
 * they ever read another organisation's entry is after a break-glass of their own that
 * alerted the privacy officer. Person claims join the actions once they are recorded.
 */

const PRACTICE = 'A81001';
const UNRELATED = 'U77777';
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
  | { kind: 'break-glass'; role: Role; withReason: boolean };

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
  fc.record({ kind: fc.constant('break-glass' as const), role, withReason: fc.boolean() }),
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
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('unrelated'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-unrelated'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_unrelated'),
  };
  const url = (name: string): string => {
    const found = services.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found.baseUrl;
  };

  beforeAll(async () => {
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
          // Nothing they write is ever recorded: no relationship, and none they can start.
          expect(response.status).not.toBe(202);
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
          const base = `${url('record-api')}/v1/patients/${nhsNumber}`;
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
          expect([403, 404]).toContain(response.status);
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
            // Only after a break-glass of this very user, which the privacy officer was told of.
            expect(brokeGlass.has(step.role)).toBe(true);
            const officer = await mintLocalToken({
              role: 'privacy-officer',
              organisation: UNRELATED,
            });
            const alerts = await requestJson<{
              alerts: Array<{ nhsNumber: string; actor: { userId: string } }>;
            }>(`${url('record-api')}/v1/privacy/break-glass-alerts`, { token: officer });
            expect(alerts.body.alerts).toContainEqual(
              expect.objectContaining({
                nhsNumber,
                actor: expect.objectContaining({ userId: `unrelated-${step.role}` }),
              }),
            );
          } else expect(response.status).toBe(404);
          break;
        }
      }
    }
  }

  it('never read another organisation’s entry but after an alerted break-glass of their own', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), (actions) =>
        run(actions),
      ),
      { numRuns: 15 },
    );
  }, 600_000);
});
