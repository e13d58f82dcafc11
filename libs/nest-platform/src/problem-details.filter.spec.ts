import { DatabaseError } from 'pg';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { HealthController, NotReadyError } from './health';
import { unavailableProblem } from './problem-details.filter';

describe('a dependency that went away is a 503 to retry, not a 500', () => {
  it('answers database-unavailable for a server shutting down (SQLSTATE 57P01)', () => {
    const error = new DatabaseError(
      'terminating connection due to administrator command',
      0,
      'error',
    );
    error.code = '57P01';
    expect(unavailableProblem(error)).toMatchObject({ status: 503, code: 'database-unavailable' });
  });

  it('answers database-unavailable for a lost connection and a released query runner', () => {
    expect(unavailableProblem(new Error('Connection terminated unexpectedly'))).toMatchObject({
      status: 503,
      code: 'database-unavailable',
    });
    expect(unavailableProblem(new QueryRunnerAlreadyReleasedError())).toMatchObject({
      code: 'database-unavailable',
    });
    // The manager of a transaction whose connection the server terminated (R3 fault test).
    expect(unavailableProblem(new QueryRunnerProviderAlreadyReleasedError())).toMatchObject({
      status: 503,
      code: 'database-unavailable',
    });
  });

  it('answers 503 for a statement Postgres aborted in favour of concurrent work (deadlock, serialization)', () => {
    for (const code of ['40P01', '40001']) {
      const error = new DatabaseError('deadlock detected', 0, 'error');
      error.code = code;
      // As TypeORM raises it: a QueryFailedError carrying the driver's fields.
      const wrapped = Object.assign(new Error('deadlock detected'), {
        name: 'QueryFailedError',
        code,
        driverError: error,
      });
      for (const raised of [error, wrapped])
        expect(unavailableProblem(raised)).toMatchObject({
          status: 503,
          code: 'database-unavailable',
        });
    }
  });

  it('answers broker-unavailable for a broker that does not answer', () => {
    const error = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' });
    expect(unavailableProblem(error)).toMatchObject({ status: 503, code: 'broker-unavailable' });
  });

  it('says no for a fault in carelog itself (still a 500)', () => {
    expect(unavailableProblem(new TypeError('x is undefined'))).toBeUndefined();
    const constraint = new DatabaseError('duplicate key', 0, 'error');
    constraint.code = '23505';
    expect(unavailableProblem(constraint)).toBeUndefined();
  });
});

describe('readiness', () => {
  const controller = (checks: Record<string, boolean | Error>) =>
    new HealthController(
      Object.entries(checks).map(([name, ok]) => ({
        name,
        isReady: () => (ok instanceof Error ? Promise.reject(ok) : Promise.resolve(ok)),
      })),
    );

  it('names every check when one fails, and a check that throws counts as failed', async () => {
    const refused = controller({
      kafka: true,
      postgres: false,
      'kafka-topic': new Error('x'),
    }).ready();
    await expect(refused).rejects.toBeInstanceOf(NotReadyError);
    await expect(refused).rejects.toMatchObject({
      code: 'not-ready',
      checks: { kafka: true, postgres: false, 'kafka-topic': false },
    });
  });

  it('is ready when every check passes', async () => {
    await expect(controller({ kafka: true, postgres: true }).ready()).resolves.toEqual({
      status: 'ready',
      checks: { kafka: true, postgres: true },
    });
  });
});
