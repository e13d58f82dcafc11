import type { Caller } from '@carelog/auth';
import { entryTypesOf } from '@carelog/domain';
import { DeciderSpecification, refusalOf } from '@carelog/testing';
import {
  decideAcknowledgement,
  decideEntry,
  decideEscalation,
  eventIdFor,
  TASK_ESCALATOR,
  type FlaggedEntryFacts,
  type ProducerContext,
} from './entry-decision';

const gp: Caller = {
  userId: 'dr-a',
  role: 'gp',
  profession: 'gp',
  organisation: 'A81001',
  system: 'emis-web',
};
const now = new Date('2026-06-01T12:00:00.000Z');
const context: ProducerContext = {
  service: 'gp-records',
  domain: 'gp',
  entryTypes: entryTypesOf('gp'),
  schemaVersionOf: () => 1,
  now,
  correlationId: 'corr-1',
};
const body = {
  patient: { nhsNumber: '9434765919' },
  type: 'ConsultationRecorded',
  occurredAt: '2026-06-01T11:00:00Z',
  payload: { narrative: 'Seen.', codedItems: [] },
};
const decide = (overrides: Record<string, unknown> = {}, caller: Caller = gp, key = 'key-1') =>
  decideEntry({ body: { ...body, ...overrides }, idempotencyKey: key, caller }, context);

describe('deciding an entry', () => {
  it('stamps source and author from the token, never from the body', () => {
    const event = decide({ author: { userId: 'someone-else' }, source: { organisation: 'FAKE' } });
    expect(event.author).toEqual({
      userId: 'dr-a',
      role: 'gp',
      profession: 'gp',
      organisation: 'A81001',
    });
    expect(event.source).toEqual({
      service: 'gp-records',
      organisation: 'A81001',
      system: 'emis-web',
    });
    expect(event.recordedAt).toEqual(now);
  });

  it('gives the same event id for the same caller and key, and different ids otherwise', () => {
    expect(decide().eventId).toBe(decide().eventId);
    expect(decide({}, gp, 'key-2').eventId).not.toBe(decide().eventId);
    expect(eventIdFor({ ...gp, userId: 'dr-b' }, 'key-1')).not.toBe(eventIdFor(gp, 'key-1'));
    expect(decide().eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it.each([
    [
      'a missing Idempotency-Key',
      () => decideEntry({ body, idempotencyKey: undefined, caller: gp }, context),
      'missing-idempotency-key',
      'Idempotency-Key',
    ],
    [
      'a blank Idempotency-Key',
      () => decide({}, gp, '  '),
      'missing-idempotency-key',
      'Idempotency-Key',
    ],
    [
      'a bad NHS number',
      () => decide({ patient: { nhsNumber: '9434765918' } }),
      'invalid-nhs-number',
      'patient.nhsNumber',
    ],
    ['an unknown entry type', () => decide({ type: 'Prescription' }), 'unknown-entry-type', 'type'],
    [
      'a clinical time in the future',
      () => decide({ occurredAt: '2026-06-01T12:10:00Z' }),
      'clinical-time-in-future',
      'occurredAt',
    ],
    [
      'an unparseable clinical time',
      () => decide({ occurredAt: 'yesterday' }),
      'invalid-clinical-time',
      'occurredAt',
    ],
    [
      'an unknown sensitivity category',
      () => decide({ sensitivity: ['secret'] }),
      'unknown-sensitivity-category',
      'sensitivity[0]',
    ],
    [
      'a payload that is not an object',
      () => decide({ payload: 'text' }),
      'invalid-payload',
      'payload',
    ],
    [
      'attention without an organisation',
      () => decide({ attention: { role: 'gp' } }),
      'invalid-attention',
      'attention',
    ],
    [
      'attention for a role that cannot act on it',
      () => decide({ attention: { role: 'carer', organisation: 'A81001' } }),
      'invalid-attention',
      'attention.role',
    ],
    [
      'attention for an unknown role',
      () => decide({ attention: { role: 'surgeon', organisation: 'A81001' } }),
      'invalid-attention',
      'attention.role',
    ],
    [
      'a role that may not author the type',
      () => decide({}, { ...gp, role: 'care-worker' }),
      'not-permitted-to-author',
      'type',
    ],
  ])('refuses %s with a stable code naming the field', (_case, act, code, field) => {
    expect(act).toThrow(expect.objectContaining({ code, field }));
  });

  it('keeps attention for a care role, with its reason as written', () => {
    expect(
      decide({ attention: { role: 'care-worker', organisation: 'LA0001', reason: 'check skin' } })
        .attention,
    ).toEqual({ role: 'care-worker', organisation: 'LA0001', reason: 'check skin' });
  });

  it('accepts a clinical time within the allowed clock skew', () => {
    expect(decide({ occurredAt: '2026-06-01T12:04:00Z' }).occurredAt).toEqual(
      new Date('2026-06-01T12:04:00Z'),
    );
  });
});

describe('deciding a task step', () => {
  const task: FlaggedEntryFacts = {
    taskId: '0b6c2b8e-4f55-4d8e-9b1e-3f8a2d1c7e10',
    nhsNumber: '9434765919',
    entryType: 'TestResultRecorded',
    domain: 'gp',
    sensitivity: ['sexual-health'],
  };
  const acknowledgement = DeciderSpecification.for(decideAcknowledgement).given(context);
  const acknowledge = (body: unknown, caller: Caller = gp, key = 'ack-1') =>
    acknowledgement.when({ body, idempotencyKey: key, caller, task });

  describe('an acknowledgement', () => {
    it("is the task's step: its patient, its sensitivity, caused by the flagged entry, by the caller", () => {
      const event = acknowledge({ note: 'Called the patient; repeat test booked.' }).then({
        type: 'AttentionAcknowledged',
        patient: { nhsNumber: task.nhsNumber },
        sensitivity: ['sexual-health'],
        attention: null,
        causationId: task.taskId,
        author: { userId: 'dr-a', organisation: 'A81001' },
        payload: {
          entryEventId: task.taskId,
          entryType: 'TestResultRecorded',
          note: 'Called the patient; repeat test booked.',
        },
      });
      expect(event.occurredAt).toEqual(now);
    });

    it('needs no note, and is one event however often it is retried with its key', () => {
      acknowledge(undefined).then({ payload: { note: null } });
      const once = acknowledge({}).then({});
      acknowledge(null).then((again) => expect(again.eventId).toBe(once.eventId));
      acknowledge({}, gp, 'ack-2').then((other) => expect(other.eventId).not.toBe(once.eventId));
    });

    it('refuses a note that is not text, or text with control characters, naming the note', () => {
      acknowledge({ note: 42 }).thenRefuses('invalid-note', 'note');
      const refusedNote = (note: string) => refusalOf(() => acknowledge({ note }).then({})).field;
      expect(refusedNote('seen\u0007')).toBe('note');
      expect(refusedNote('x'.repeat(2001))).toBe('note');
    });

    it('says no to a role that may not acknowledge (a patient), and without a key', () => {
      const patient: Caller = { ...gp, userId: 'p-1', role: 'patient', profession: 'patient' };
      acknowledge({}, patient).thenRefuses('not-permitted-to-author');
      acknowledgement
        .when({ body: {}, idempotencyKey: undefined, caller: gp, task })
        .thenRefuses('missing-idempotency-key', 'Idempotency-Key');
    });
  });

  describe('an escalation', () => {
    const escalation = DeciderSpecification.for((level: number, at: Date) =>
      decideEscalation(
        { ...task, recipientOrganisation: 'A81001' },
        {
          level,
          escalatedTo: { role: 'gp', organisation: 'A81001' },
          unacknowledgedMs: 90_061_999,
        },
        { ...context, now: at },
      ),
    );

    it('is written by the escalator for the organisation the task was for, never a person', () => {
      escalation
        .given(now)
        .when(1)
        .then((event) => {
          expect(event.author).toMatchObject({
            userId: TASK_ESCALATOR.userId,
            role: 'system',
            organisation: 'A81001',
          });
          expect(event.payload).toEqual({
            entryEventId: task.taskId,
            entryType: 'TestResultRecorded',
            level: 1,
            unacknowledgedSeconds: 90_061,
            escalatedTo: { role: 'gp', organisation: 'A81001' },
          });
          expect(event.sensitivity).toEqual(['sexual-health']);
        });
    });

    it('is one event per task and level, whichever escalator sees it due, and whenever', () => {
      const first = escalation.given(now).when(1).then({});
      escalation
        .given(new Date('2026-06-02T00:00:00Z'))
        .when(1)
        .then((later) => expect(later.eventId).toBe(first.eventId));
      escalation
        .given(now)
        .when(2)
        .then((next) => expect(next.eventId).not.toBe(first.eventId));
    });
  });
});
