import { eventually, uniqueName } from '@carelog/testing';
import { Client } from 'pg';
import { PgListener } from './pg-listener';

/** LISTEN on a dedicated connection to the real Postgres, woken by another connection's NOTIFY. */
describe('PgListener against real Postgres', () => {
  // The test servers' database, as jest's global set-up gives it.
  const configuredDatabaseUrl = () => process.env['DATABASE_URL'];
  const channel = uniqueName('wake');
  const writer = new Client({ connectionString: configuredDatabaseUrl() });
  let told = 0;
  const warnings: string[] = [];
  const listener = new PgListener({
    connectionString: configuredDatabaseUrl(),
    channel,
    onNotify: () => told++,
    reconnectMs: 100,
    logger: { warn: (message) => warnings.push(message) },
  });

  beforeAll(async () => {
    await writer.connect();
    await listener.start();
  });

  afterAll(async () => {
    await listener.stop();
    await writer.end();
  });

  it('given a committed NOTIFY on its channel, then it is told; a rolled-back one and another channel are never told', async () => {
    expect(listener.isListening).toBe(true);
    const before = told;
    await writer.query('BEGIN');
    await writer.query('SELECT pg_notify($1, $2)', [channel, '']);
    await writer.query('ROLLBACK');
    await writer.query('SELECT pg_notify($1, $2)', [`${channel}_other`, '']);
    await writer.query('SELECT pg_notify($1, $2)', [channel, '']);
    await eventually(() => expect(told).toBe(before + 1));
  });

  it('given its connection is cut, then it listens again and is told once for what it may have missed', async () => {
    const before = told;
    const cut = await writer.query<{ cut: boolean }>(
      `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = $1`,
      [`carelog-listen-${channel}`.slice(0, 63)],
    );
    expect(cut.rows.map((row) => row.cut)).toEqual([true]);
    await eventually(() => expect(told).toBe(before + 1));
    expect(listener.isListening).toBe(true);
    expect(warnings.some((warning) => warning.startsWith('LISTEN connection lost'))).toBe(true);
    await writer.query('SELECT pg_notify($1, $2)', [channel, '']);
    await eventually(() => expect(told).toBe(before + 2));
  });
});
