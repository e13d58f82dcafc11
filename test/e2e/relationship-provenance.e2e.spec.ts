import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import { ENTRY_TYPES, type Role } from '@carelog/domain';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';

/**
 * docs/architecture.md, "Legitimate relationships", as a generated matrix on the real platform: every
 * entry type that starts a relationship, recorded by each kind of caller, gives exactly the
 * outcome the design says, and a read afterwards agrees (the organisation that would gain
 * reads the record, or is told the patient does not exist; the patient's own record holds
 * the entry exactly when it was accepted).
 */

/**
 * Entry types that start a relationship, from the authoring rules (a new one joins the matrix).
 * A person's claim (RelationshipClaimed, way 3) is not a row: it is the two claim columns.
 */
const STARTS = ENTRY_TYPES.filter(
  (rule) => rule.relationship?.effect === 'starts' && rule.relationship.provenance?.way !== 'claim',
);

/**
 * Who tries to make the receiving organisation R gain a relationship with a fresh patient,
 * whom an organisation H already cares for:
 * - `own-system`: R's own source system, registered for the type;
 * - `other-system`: the source system of another organisation O holding no relationship
 *   (registered for the type when it is a hand-over; for an authoritative start, registered
 *   for other types only, since a system registered for it would start O's own relationship);
 * - `handing-over-user`: a user of H, which holds an active relationship (for a referral:
 *   H's GP refers to R, then R's user accepts);
 * - `unrelated-user`: a user of an organisation U with no relationship;
 * - `claim-with-reason`, `claim-without-reason`: a user of R claims a relationship for R
 *   (docs/architecture.md, "Legitimate relationships", way 3) at `POST /v1/patients/{nhs}/relationship-claims`, with or without a
 *   stated reason.
 */
const COLUMNS = [
  'own-system',
  'other-system',
  'handing-over-user',
  'unrelated-user',
  'claim-with-reason',
  'claim-without-reason',
] as const;
type Column = (typeof COLUMNS)[number];
const isClaim = (column: Column): boolean => column.startsWith('claim-');

type Outcome = { status: 202 } | { status: 400 | 403 | 404; code: string };

/** The privacy officer who reviews every organisation of the matrix (its own config file). */
const OFFICER = 'PO0001';
const CLAIM_REASON = 'Reviewing after a fall; discharge letter not yet received';

const H = 'A81001';
const MATERNITY = 'R1H';
const O = 'O55555';
const U = 'U99999';

interface Subject {
  /** Organisation that gains the relationship when the entry is accepted. */
  receiver: string;
  /** A role of the receiver that reads the record afterwards. */
  receiverRole: Role;
  /** The role a person of any organisation records this type with. */
  authorRole: Role;
  /** Where it is recorded: a producer service, or the record API's route. */
  via:
    | 'gp-records'
    | 'social-care'
    | 'maternity'
    | 'urgent-care'
    | 'pharmacy'
    | 'care-team'
    | 'acceptance';
  /** The organisation already caring for the patient, and the entry type its system starts it with. */
  holder: { organisation: string; start: string; role: Role };
}

const SUBJECTS: Record<string, Subject> = {
  RegistrationStarted: {
    receiver: 'C83003',
    receiverRole: 'gp',
    authorRole: 'gp',
    via: 'gp-records',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  CaseOpened: {
    receiver: 'LA0716',
    receiverRole: 'social-worker',
    authorRole: 'social-worker',
    via: 'social-care',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  MaternityBookingRecorded: {
    receiver: 'RQ3',
    receiverRole: 'midwife',
    authorRole: 'midwife',
    via: 'maternity',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  CaseloadTransferredToHealthVisiting: {
    receiver: 'HV001',
    receiverRole: 'health-visitor',
    authorRole: 'midwife',
    via: 'maternity',
    holder: { organisation: MATERNITY, start: 'MaternityBookingRecorded', role: 'midwife' },
  },
  TriageOutcomeRecorded: {
    receiver: 'NHS111',
    receiverRole: 'urgent-care',
    authorRole: 'urgent-care',
    via: 'urgent-care',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  EdAttendanceRecorded: {
    receiver: 'RYJ',
    receiverRole: 'urgent-care',
    authorRole: 'urgent-care',
    via: 'urgent-care',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  AmbulanceSeeAndTreatRecorded: {
    receiver: 'RRU',
    receiverRole: 'urgent-care',
    authorRole: 'urgent-care',
    via: 'urgent-care',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  OutOfHoursConsultationRecorded: {
    receiver: 'OOH01',
    receiverRole: 'urgent-care',
    authorRole: 'urgent-care',
    via: 'urgent-care',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  CareTeamMemberAdded: {
    receiver: 'RYX',
    receiverRole: 'community-nurse',
    authorRole: 'gp',
    via: 'care-team',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  // A prescription issued to the patient's nominated pharmacy hands the pharmacy the patient.
  MedicationIssued: {
    receiver: 'FX003',
    receiverRole: 'pharmacist',
    authorRole: 'gp',
    via: 'gp-records',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  // Walk-in pharmacy services: only the pharmacy's own system starts them.
  PharmacyConsultationRecorded: {
    receiver: 'FX001',
    receiverRole: 'pharmacist',
    authorRole: 'pharmacist',
    via: 'pharmacy',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  VaccinationGiven: {
    receiver: 'FX002',
    receiverRole: 'pharmacist',
    authorRole: 'pharmacist',
    via: 'pharmacy',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
  ReferralAccepted: {
    receiver: 'RY8DN',
    receiverRole: 'community-nurse',
    authorRole: 'community-nurse',
    via: 'acceptance',
    holder: { organisation: H, start: 'RegistrationStarted', role: 'gp' },
  },
};

const refused = (code = 'relationship-start-not-permitted'): Outcome => ({ status: 403, code });

/** The outcome the relationship rules give each cell (docs/architecture.md). */
function expectedOutcome(type: string, column: Column): Outcome {
  // A person's claim is the same for every type: with a reason the claimant's organisation
  // gains a time-limited relationship (alerted, shown to the patient); without, nothing.
  if (column === 'claim-with-reason') return { status: 202 };
  if (column === 'claim-without-reason') return { status: 400, code: 'claim-reason-required' };
  const way = ENTRY_TYPES.find((rule) => rule.type === type)?.relationship?.provenance?.way;
  switch (way) {
    case 'authoritative':
      // Only the organisation's own source system, registered for the type.
      return column === 'own-system' ? { status: 202 } : refused();
    case 'hand-over':
      // Only an organisation that holds a relationship hands over; nobody hands to themself.
      return column === 'handing-over-user' ? { status: 202 } : refused();
    case 'acceptance':
      // Only the organisation the referral names accepts it, by a person or its system.
      return column === 'own-system' || column === 'handing-over-user'
        ? { status: 202 }
        : { status: 404, code: 'referral-not-found' };
    default:
      throw new Error(`${type} starts a relationship in no declared way`);
  }
}

const example = (type: string): Record<string, unknown> => {
  const rule = ENTRY_TYPES.find((candidate) => candidate.type === type);
  const folder = rule?.domain === 'any' ? 'correction' : (rule?.domain ?? 'gp');
  return JSON.parse(
    readFileSync(join(schemasDir, 'examples', folder, `${type}.json`), 'utf8'),
  ) as Record<string, unknown>;
};

describe('relationship provenance: who may start a relationship, on the real platform', () => {
  const services = new Map<string, RunningService>();
  const log = serviceLog('relationship-provenance.e2e');
  const officersFile = join(process.cwd(), '.local', `${uniqueName('privacy-officers')}.json`);
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('provenance'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-provenance'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_provenance'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_provenance'),
    CARELOG_PRIVACY_OFFICERS_FILE: officersFile,
  };
  const service = (name: string): RunningService => {
    const found = services.get(name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.local'), { recursive: true });
    const everyone = [
      ...new Set([
        ...Object.values(SUBJECTS).flatMap((s) => [s.receiver, s.holder.organisation]),
        O,
        U,
      ]),
    ];
    writeFileSync(
      officersFile,
      JSON.stringify({ privacyOfficers: [{ organisation: OFFICER, reviews: everyone }] }),
    );
    const projection = startService({ name: 'projection', port: 5810, env, onOutput: log });
    services.set('projection', projection);
    await waitForReady(projection);
    const ports: Array<[Parameters<typeof startService>[0]['name'], number]> = [
      ['record-api', 5800],
      ['gp-records', 5801],
      ['social-care', 5802],
      ['maternity', 5803],
      ['urgent-care', 5804],
      ['pharmacy', 5808],
    ];
    for (const [name, port] of ports)
      services.set(name, startService({ name, port, env, onOutput: log }));
    await Promise.all([...services.values()].map((running) => waitForReady(running)));
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((running) => running.stop()));
  });

  const postEntry = (via: string, token: string, body: Record<string, unknown>, key: string) =>
    requestJson<{ eventId: string; code?: string }>(`${service(via).baseUrl}/v1/entries`, {
      method: 'POST',
      token,
      headers: { 'Idempotency-Key': key },
      body,
    });
  /** Posts once the relationships it needs have reached the read model. */
  const postAccepted = async (via: string, token: string, body: Record<string, unknown>) => {
    const key = uniqueName('setup');
    return eventually(async () => {
      const response = await postEntry(via, token, body, key);
      expect(response.status).toBe(202);
      return response.body.eventId;
    });
  };
  const readRecord = async (nhsNumber: string, token: string) =>
    requestJson<{ entries: Array<{ eventId: string; type: string }> }>(
      `${service('record-api').baseUrl}/v1/patients/${nhsNumber}/record?limit=200`,
      { token },
    );

  interface Access {
    accessId: string;
    action: string;
    basis: string | null;
    actor: { userId: string; organisation: string };
    claim: { reason: string; expiresAt: string } | null;
  }
  interface Alert {
    accessId: string;
    kind: string;
    nhsNumber: string;
    actor: { userId: string };
    reason: string | null;
    expiresAt: string | null;
  }
  const accessLog = async (nhsNumber: string) => {
    const patient = await mintLocalToken({ role: 'patient', organisation: 'NHSLOGIN', nhsNumber });
    const log = await requestJson<{ accesses: Access[] }>(
      `${service('record-api').baseUrl}/v1/patients/${nhsNumber}/access-log?limit=500`,
      { token: patient },
    );
    expect(log.status).toBe(200);
    return log.body.accesses;
  };
  const officerAlerts = async () => {
    const officer = await mintLocalToken({ role: 'privacy-officer', organisation: OFFICER });
    const alerts = await requestJson<{ alerts: Alert[] }>(
      `${service('record-api').baseUrl}/v1/privacy/alerts?status=all`,
      { token: officer },
    );
    expect(alerts.status).toBe(200);
    return alerts.body.alerts;
  };

  /** A claim with a reason: time-limited, a claim in the audit trail, alerted, shown to the patient. */
  async function claimWasSeen(nhsNumber: string, claimId: string, column: Column, type: string) {
    const claimant = `${column}-${type}`;
    const alert = (await officerAlerts()).find((candidate) => candidate.accessId === claimId);
    expect(alert).toMatchObject({
      kind: 'claim',
      nhsNumber,
      actor: { userId: claimant },
      reason: CLAIM_REASON,
    });
    const expiresAt = Date.parse(alert?.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000 + 60_000);
    const log = await accessLog(nhsNumber);
    expect(log).toContainEqual(
      expect.objectContaining({
        accessId: claimId,
        action: 'claim-relationship',
        basis: 'claim',
        actor: expect.objectContaining({ userId: claimant }),
        claim: expect.objectContaining({ reason: CLAIM_REASON }),
      }),
    );
    // The receiver's read afterwards was let in by the claim, and the patient sees so.
    expect(log).toContainEqual(
      expect.objectContaining({
        action: 'read-record',
        basis: 'claim',
        claim: expect.objectContaining({ reason: CLAIM_REASON }),
      }),
    );
  }

  /** A claim without a reason: no claim in the audit trail, no alert, nothing for the patient. */
  async function noClaimRecorded(nhsNumber: string, claimant: string) {
    const log = await accessLog(nhsNumber);
    expect(log.filter((access) => access.action === 'claim-relationship')).toEqual([]);
    expect(log.filter((access) => access.basis === 'claim')).toEqual([]);
    expect(
      (await officerAlerts()).filter(
        (alert) => alert.nhsNumber === nhsNumber || alert.actor.userId === claimant,
      ),
    ).toEqual([]);
  }

  /** The attempt of one cell: the request the column's caller makes for the type. */
  async function attempt(
    type: string,
    column: Column,
    nhsNumber: string,
    referralId: string | undefined,
  ) {
    const subject = SUBJECTS[type];
    if (!subject) throw new Error(`no subject for ${type}`);
    if (isClaim(column))
      return requestJson<{ eventId: string; code?: string; expiresAt?: string }>(
        `${service('record-api').baseUrl}/v1/patients/${nhsNumber}/relationship-claims`,
        {
          method: 'POST',
          token: await mintLocalToken({
            role: subject.receiverRole,
            organisation: subject.receiver,
            userId: `${column}-${type}`,
          }),
          headers: { 'Idempotency-Key': uniqueName('claim') },
          body: column === 'claim-with-reason' ? { reason: CLAIM_REASON } : {},
        },
      );
    const way = ENTRY_TYPES.find((rule) => rule.type === type)?.relationship?.provenance?.way;
    const actorOrganisation = {
      'own-system': subject.receiver,
      'other-system': O,
      'handing-over-user': way === 'acceptance' ? subject.receiver : subject.holder.organisation,
      'unrelated-user': U,
      'claim-with-reason': subject.receiver,
      'claim-without-reason': subject.receiver,
    }[column];
    const token = column.endsWith('system')
      ? await mintLocalSystemToken({
          organisation: actorOrganisation,
          entryTypes:
            column === 'other-system' && way === 'authoritative'
              ? ['ConsultationRecorded']
              : [type],
        })
      : await mintLocalToken({
          role: subject.authorRole,
          organisation: actorOrganisation,
          userId: `${column}-${type}`,
        });
    const key = uniqueName('attempt');
    const base = service('record-api').baseUrl;
    switch (subject.via) {
      case 'care-team':
        return requestJson<{ eventId: string; code?: string }>(
          `${base}/v1/patients/${nhsNumber}/care-team/${subject.receiver}`,
          {
            method: 'PUT',
            token,
            headers: { 'Idempotency-Key': key },
            body: { role: subject.receiverRole, reason: 'Leg ulcer care.' },
          },
        );
      case 'acceptance':
        return requestJson<{ eventId: string; code?: string }>(
          `${base}/v1/patients/${nhsNumber}/referrals/${referralId ?? ''}/acceptance`,
          { method: 'POST', token, headers: { 'Idempotency-Key': key }, body: {} },
        );
      default: {
        // Now: an urgent-care encounter's relationship lasts 72 hours from its clinical time.
        const body: Record<string, unknown> = {
          ...example(type),
          patient: { nhsNumber },
          occurredAt: new Date().toISOString(),
        };
        if (type === 'MedicationIssued')
          body['payload'] = {
            ...(body['payload'] as Record<string, unknown>),
            nominatedPharmacy: subject.receiver,
          };
        if (type === 'CaseloadTransferredToHealthVisiting')
          body['payload'] = {
            ...(body['payload'] as Record<string, unknown>),
            healthVisitingOrganisation: subject.receiver,
          };
        return postEntry(subject.via, token, body, key);
      }
    }
  }

  const cells = STARTS.flatMap((rule) =>
    COLUMNS.map((column) => ({
      type: rule.type,
      column,
      outcome: expectedOutcome(rule.type, column),
    })),
  );

  it('publishes the hand-over routes in the record API’s OpenAPI', async () => {
    const document = await requestJson<{ paths: Record<string, Record<string, unknown>> }>(
      `${service('record-api').baseUrl}/docs-json`,
    );
    expect(
      Object.keys(
        document.body.paths['/v1/patients/{nhsNumber}/care-team/{organisation}'] ?? {},
      ).sort(),
    ).toEqual(['delete', 'put']);
    expect(
      document.body.paths['/v1/patients/{nhsNumber}/referrals/{referralEventId}/acceptance'],
    ).toHaveProperty('post');
  });

  it('covers every relationship-starting entry type', () => {
    expect(STARTS.map((rule) => rule.type).sort()).toEqual(Object.keys(SUBJECTS).sort());
    // The only start that is not a row is the claim, which every row's claim columns make.
    expect(
      ENTRY_TYPES.filter(
        (rule) => rule.relationship?.effect === 'starts' && !STARTS.includes(rule),
      ).map((rule) => rule.type),
    ).toEqual(['RelationshipClaimed']);
  });

  it.each(cells)('$type by $column gives $outcome.status', async ({ type, column, outcome }) => {
    const subject = SUBJECTS[type];
    if (!subject) throw new Error(`no subject for ${type}`);
    const nhsNumber = nextTestNhsNumber();
    // Given: the holder's own system started its relationship, and its reader sees the patient.
    const holderSystem = await mintLocalSystemToken({
      organisation: subject.holder.organisation,
      entryTypes: [subject.holder.start],
    });
    const setup = [
      await postAccepted(
        subject.holder.start === 'RegistrationStarted' ? 'gp-records' : 'maternity',
        holderSystem,
        { ...example(subject.holder.start), patient: { nhsNumber } },
      ),
    ];
    const holderReader = await mintLocalToken({
      role: subject.holder.role,
      organisation: subject.holder.organisation,
    });
    let referralId: string | undefined;
    if (subject.via === 'acceptance') {
      // The holder's GP refers to the receiver: pending until the receiver accepts.
      const referral = example('ReferralMade');
      referralId = await postAccepted('gp-records', holderReader, {
        ...referral,
        patient: { nhsNumber },
        payload: {
          ...(referral['payload'] as Record<string, unknown>),
          receivingOrganisation: subject.receiver,
        },
      });
      setup.push(referralId);
    }
    const patient = await mintLocalToken({ role: 'patient', organisation: 'NHSLOGIN', nhsNumber });
    await eventually(async () => {
      const ids = (await readRecord(nhsNumber, patient)).body.entries.map((entry) => entry.eventId);
      expect(ids).toEqual(expect.arrayContaining(setup));
    });

    // When
    const response = await attempt(type, column, nhsNumber, referralId);

    // Then: exactly the designed outcome, as problem+json when refused.
    expect({ status: response.status, code: response.body.code }).toEqual(
      outcome.status === 202 ? { status: 202, code: undefined } : outcome,
    );
    if (outcome.status !== 202)
      expect(response.headers.get('content-type')).toContain('application/problem+json');

    // And a read afterwards agrees: the receiver reads the record only if it gained.
    const receiver = await mintLocalToken({
      role: subject.receiverRole,
      organisation: subject.receiver,
    });
    if (outcome.status === 202) {
      await eventually(async () =>
        expect((await readRecord(nhsNumber, receiver)).status).toBe(200),
      );
      if (isClaim(column)) await claimWasSeen(nhsNumber, response.body.eventId, column, type);
      else {
        const mine = await readRecord(nhsNumber, patient);
        expect(mine.body.entries.map((entry) => entry.eventId)).toContain(response.body.eventId);
      }
    } else {
      if (isClaim(column)) await noClaimRecorded(nhsNumber, `${column}-${type}`);
      expect((await readRecord(nhsNumber, receiver)).status).toBe(404);
      for (const outsider of [O, U])
        expect(
          (
            await readRecord(
              nhsNumber,
              await mintLocalToken({ role: subject.authorRole, organisation: outsider }),
            )
          ).status,
        ).toBe(404);
      const mine = await readRecord(nhsNumber, patient);
      const ofType = mine.body.entries.filter((entry) => entry.type === type);
      expect(ofType.every((entry) => setup.includes(entry.eventId))).toBe(true);
    }
  });
});
