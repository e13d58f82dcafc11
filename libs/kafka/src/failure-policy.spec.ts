import { DomainError } from '@carelog/domain';
import { KafkaJSConnectionError } from 'kafkajs';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import {
  classifyFailure,
  MAX_TRANSIENT_ATTEMPTS,
  retriesExhausted,
  retryDelayMs,
  RETRY_MAX_DELAY_MS,
} from './failure-policy';

/** A pg DatabaseError as node-postgres raises it: a message quoting the value, and the SQLSTATE. */
const databaseError = (code: string, extra: Record<string, string> = {}) =>
  Object.assign(new Error('invalid input syntax for type uuid: "9434765919"'), { code, ...extra });

describe('the failure policy', () => {
  it.each([
    ['22P05', 'permanent'], // untranslatable character: a NUL in jsonb
    ['22P02', 'permanent'], // invalid text representation: a non-UUID id
    ['22008', 'permanent'], // datetime field overflow: year 0
    ['23505', 'permanent'],
    ['23514', 'permanent'],
    ['40001', 'transient'],
    ['40P01', 'transient'],
    ['57014', 'transient'],
    ['P0001', 'transient'],
    ['08006', 'unavailable'],
    ['57P01', 'unavailable'],
    ['53300', 'unavailable'],
    ['55P03', 'unavailable'],
  ])('classes SQLSTATE %s as %s', (code, kind) => {
    expect(classifyFailure(databaseError(code)).kind).toBe(kind);
  });

  it('reads the SQLSTATE of a TypeORM QueryFailedError from its driver error', () => {
    const wrapped = Object.assign(new Error('query failed'), {
      name: 'QueryFailedError',
      driverError: databaseError('22P05'),
    });
    expect(classifyFailure(wrapped)).toMatchObject({
      kind: 'permanent',
      code: 'postgres-22P05',
    });
  });

  it('never quotes a value from the database error, only schema names', () => {
    const failure = classifyFailure(
      databaseError('23514', { table: 'entry_version', constraint: 'no_test_rows' }),
    );
    expect(failure.reason).not.toContain('9434765919');
    expect(failure.reason).toContain('table entry_version');
    expect(failure.reason).toContain('constraint no_test_rows');
  });

  it('dead-letters domain errors (decode, contract) with their own code', () => {
    expect(classifyFailure(new DomainError('unknown-writer-schema', 'no schema'))).toEqual({
      kind: 'permanent',
      code: 'unknown-writer-schema',
      reason: 'no schema',
    });
  });

  it('waits out lost connections and broker errors', () => {
    expect(
      classifyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
        .kind,
    ).toBe('unavailable');
    expect(classifyFailure(new Error('Connection terminated unexpectedly')).kind).toBe(
      'unavailable',
    );
    expect(classifyFailure(new KafkaJSConnectionError('gone')).kind).toBe('unavailable');
  });

  it('waits out a TypeORM query runner released under a transaction when the server went away', () => {
    // Seen in the R3 fault test: Postgres stopped mid-transaction, the next query on the manager.
    expect(classifyFailure(new QueryRunnerProviderAlreadyReleasedError())).toMatchObject({
      kind: 'unavailable',
      code: 'connection-lost',
    });
    expect(classifyFailure(new QueryRunnerAlreadyReleasedError()).kind).toBe('unavailable');
  });

  it('retries an unexpected error a bounded number of times, then names it', () => {
    const failure = classifyFailure(new RangeError('Invalid time value'));
    expect(failure).toMatchObject({ kind: 'transient', code: 'RangeError' });
    expect(retriesExhausted(failure)).toMatchObject({
      kind: 'permanent',
      code: 'retries-exhausted',
    });
    expect(retriesExhausted(failure).reason).toContain(`${MAX_TRANSIENT_ATTEMPTS} times`);
  });

  it('backs off exponentially up to a cap', () => {
    expect(retryDelayMs(1)).toBeLessThan(retryDelayMs(2));
    expect(retryDelayMs(50)).toBe(RETRY_MAX_DELAY_MS);
  });
});
