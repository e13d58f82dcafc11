import type { Caller, SourceSystemCaller } from '@carelog/auth';
import { DomainError, entryTypesOf } from '@carelog/domain';
import {
  decideCorrection,
  decideEntry,
  type ProducerContext,
  type PublishedEntryFacts,
} from '../entry-decision';

const nurse: Caller = {
  userId: 'pn-a',
  role: 'practice-nurse',
  profession: 'nurse',
  organisation: 'A81001',
  system: 'emis-web',
};
const gpSystem: SourceSystemCaller = {
  kind: 'source-system',
  clientId: 'emis-a81001',
  organisation: 'A81001',
  entryTypes: ['RegistrationStarted', 'ConsultationRecorded'],
  system: 'EMIS Web',
};
const context: ProducerContext = {
  service: 'gp-records',
  domain: 'gp',
  entryTypes: entryTypesOf('gp'),
  schemaVersionOf: () => 1,
  now: new Date('2026-06-01T12:00:00.000Z'),
  correlationId: 'corr-1',
};
const flag = { role: 'gp', organisation: 'A81001', reason: 'critical potassium' };
const flaggedResult: PublishedEntryFacts = {
  eventId: '6f1c2b3a-1d2e-5f60-8a7b-9c0d1e2f3a4b',
  organisation: 'A81001',
  entryType: 'TestResultRecorded',
  nhsNumber: '9434765919',
  occurredAt: new Date('2026-06-01T09:00:00.000Z'),
  sensitivity: [],
  attention: flag,
};
const amend = (changes: Record<string, unknown>, original = flaggedResult) =>
  decideCorrection(
    {
      body: { kind: 'amended', reason: 'lab re-issued', payload: { value: '6.6' }, ...changes },
      idempotencyKey: 'amend-1',
      caller: nurse,
      original,
    },
    context,
  );

describe('a correction keeps the flag unless it says the concern is resolved', () => {
  it('keeps the entry’s flag as it stands when the amendment says nothing about it', () => {
    expect(amend({}).attention).toEqual(flag);
  });

  it('drops the flag when the amendment says the concern is resolved', () => {
    expect(amend({ concernResolved: true }).attention).toBeNull();
    expect(amend({ concernResolved: false }).attention).toEqual(flag);
  });

  it('carries a flag of its own, even on an entry that had none', () => {
    const other = { role: 'care-worker', organisation: 'LA0001', reason: 'new dose' };
    expect(amend({ attention: other }).attention).toEqual(other);
    expect(amend({ attention: other }, { ...flaggedResult, attention: null }).attention).toEqual(
      other,
    );
  });

  it.each([[{ concernResolved: 'yes' }], [{ concernResolved: true, attention: flag }]])(
    'refuses a contradictory or malformed resolution %j',
    (changes) => {
      expect(() => amend(changes)).toThrow(DomainError);
      try {
        amend(changes);
      } catch (error) {
        expect(error).toMatchObject({ code: 'invalid-concern-resolved', field: 'concernResolved' });
      }
    },
  );

  it('never flags an entered-in-error marker', () => {
    const marker = decideCorrection(
      {
        body: { kind: 'entered-in-error', reason: 'wrong patient' },
        idempotencyKey: 'eie-1',
        caller: nurse,
        original: flaggedResult,
      },
      context,
    );
    expect(marker.attention).toBeNull();
  });
});

describe('an entry from a source system', () => {
  const decide = (type: string, caller: SourceSystemCaller = gpSystem) =>
    decideEntry(
      {
        body: {
          patient: { nhsNumber: '9434765919' },
          type,
          occurredAt: '2026-06-01T11:00:00Z',
          payload: {},
        },
        idempotencyKey: 'key-1',
        caller,
      },
      context,
    );

  it('is stamped with the system as author: its client id, role system, its organisation', () => {
    const event = decide('RegistrationStarted');
    expect(event.author).toEqual({
      userId: 'emis-a81001',
      role: 'system',
      profession: 'system',
      organisation: 'A81001',
    });
    expect(event.source).toMatchObject({ organisation: 'A81001', system: 'EMIS Web' });
  });

  it('may send only the types its registration lists', () => {
    expect(() => decide('ProblemRecorded')).toThrow(
      expect.objectContaining({ code: 'entry-type-not-registered', field: 'type' }),
    );
    expect(() =>
      decide('RegistrationStarted', { ...gpSystem, entryTypes: ['ConsultationRecorded'] }),
    ).toThrow(expect.objectContaining({ code: 'relationship-start-not-permitted' }));
  });
});
