import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { distPath } from './build';
import { localStateDir, repoRoot } from './paths';
import { isLocalDatabaseUrl } from './postgres';
// By a relative path, as in postgres.ts: the roles script imports nothing itself.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  OWNER_ROLE,
  roleDatabaseUrl,
  serviceRole,
} from '../../../libs/read-model/src/database-roles';
import { waitUntil } from './process-util';

/** The platform's services and their local default ports (docs/architecture.md, "Running it"). */
export const PLATFORM_SERVICES = [
  { name: 'record-api', port: 3100, portVariable: 'RECORD_API_PORT' },
  { name: 'gp-records', port: 3101, portVariable: 'GP_RECORDS_PORT' },
  { name: 'social-care', port: 3102, portVariable: 'SOCIAL_CARE_PORT' },
  { name: 'maternity', port: 3103, portVariable: 'MATERNITY_PORT' },
  { name: 'urgent-care', port: 3104, portVariable: 'URGENT_CARE_PORT' },
  { name: 'notifications', port: 3105, portVariable: 'NOTIFICATIONS_PORT' },
  { name: 'analytics-export', port: 3106, portVariable: 'ANALYTICS_EXPORT_PORT' },
  { name: 'community-nursing', port: 3107, portVariable: 'COMMUNITY_NURSING_PORT' },
  { name: 'pharmacy', port: 3108, portVariable: 'PHARMACY_PORT' },
  { name: 'identity', port: 3109, portVariable: 'IDENTITY_PORT' },
  { name: 'projection', port: 3110, portVariable: 'PROJECTION_PORT' },
] as const;

/**
 * The people's web app (services/web, port 3000): started, built and run like the
 * services above, but with no database, topics or principal of its own (it calls their APIs
 * with the signed-in person's token), so it is not among the deployed PLATFORM_SERVICES.
 */
export const WEB_APP = { name: 'web', port: 3000, portVariable: 'WEB_PORT' } as const;
const STARTABLE = [...PLATFORM_SERVICES, WEB_APP] as const;

export type ServiceName = (typeof STARTABLE)[number]['name'];

export interface RunningService {
  name: string;
  port: number;
  baseUrl: string;
  process: ChildProcess;
  /** SIGTERM, then waits for the process to exit (SIGKILL after the grace period). */
  stop(graceMs?: number): Promise<void>;
  /** Ends the process at once, as a crash would. */
  kill(): Promise<void>;
  /** The last lines the service wrote (at most LAST_LINES_KEPT), to say why it stopped. */
  lastLines(): string[];
}

/** How many of a service's latest output lines are kept for an early exit's error. */
export const LAST_LINES_KEPT = 20;

export interface StartServiceOptions {
  name: ServiceName;
  port?: number;
  env?: NodeJS.ProcessEnv;
  /** Receives each line the service writes, prefixed with its name. */
  onOutput?: (line: string) => void;
  /** Run from the sources or from dist/ (default: `CARELOG_SERVICES_FROM`, else source). */
  from?: CodeSource;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => child.once('exit', () => resolvePromise()));
}

/**
 * `CARELOG_PORT_OFFSET` shifts every service port, so that a second copy of the platform (or
 * of the test suite, with its own `CARELOG_KAFKA_PORT`, `CARELOG_POSTGRES_PORT` and
 * `CARELOG_LOCAL_DIR`) can run on the same machine.
 */
function portOffset(): number {
  const offset = Number(process.env['CARELOG_PORT_OFFSET'] ?? 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 20_000)
    throw new Error('CARELOG_PORT_OFFSET must be a whole number from 0 to 20000');
  return offset;
}

/**
 * On the local Postgres (where the roles are created at every start), each service connects
 * as its own least-privileged role and runs its migrations as the owner; a DATABASE_URL
 * naming another server is passed on as it is (give each service its own, see README).
 * CARELOG_LOCAL_DB_ROLES=off keeps the superuser, for debugging only.
 */
export function serviceDatabaseEnv(
  /** A service, or a job with a role of its own (`rebuild`, `audit-verify`). */
  service: string,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const url = env['DATABASE_URL'];
  if (!url || !isLocalDatabaseUrl(url) || env['CARELOG_LOCAL_DB_ROLES'] === 'off') return {};
  return {
    DATABASE_URL: roleDatabaseUrl(url, serviceRole(service), env),
    CARELOG_MIGRATION_DATABASE_URL:
      env['CARELOG_MIGRATION_DATABASE_URL'] || roleDatabaseUrl(url, OWNER_ROLE, env),
  };
}

/**
 * What the services and tools run from: `source` (TypeScript compiled on the fly by swc, the
 * quick path of `npm start`) or `dist` (the JavaScript `npm run build` wrote, as deployed; the
 * test set-up builds and chooses it). `CARELOG_SERVICES_FROM` says which; default `source`.
 */
export type CodeSource = 'source' | 'dist';

export function codeSource(env: NodeJS.ProcessEnv = process.env): CodeSource {
  const from = env['CARELOG_SERVICES_FROM'] || 'source';
  if (from !== 'source' && from !== 'dist')
    throw new Error(`CARELOG_SERVICES_FROM must be source or dist (got ${from})`);
  return from;
}

/**
 * Node's arguments to run a TypeScript entry point (a path from the repository root, e.g.
 * `services/projection/src/rebuild/main.ts`): its compiled JavaScript, or the source itself.
 */
export function nodeArguments(entry: string, from: CodeSource = codeSource()): string[] {
  if (from === 'source') return ['-r', '@swc-node/register', join(repoRoot, entry)];
  const compiled = distPath(entry);
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build first`);
  return ['--enable-source-maps', compiled];
}

/** Starts one service, from its sources or from dist/ (`codeSource`). */
export function startService(options: StartServiceOptions): RunningService {
  const spec = STARTABLE.find((service) => service.name === options.name);
  if (!spec) throw new Error(`unknown service ${options.name}`);
  const port = (options.port ?? spec.port) + portOffset();
  const given = { ...process.env, ...options.env };
  const child = spawn(
    process.execPath,
    nodeArguments(`services/${spec.name}/src/main.ts`, options.from ?? codeSource(given)),
    {
      cwd: repoRoot,
      env: {
        ...given,
        ...(spec.name === WEB_APP.name ? {} : serviceDatabaseEnv(spec.name, given)),
        [spec.portVariable]: String(port),
        // Compiled code would look for .local inside dist/: say where the local state is.
        CARELOG_LOCAL_DIR: given['CARELOG_LOCAL_DIR'] || localStateDir,
        SWC_NODE_PROJECT: join(repoRoot, 'tsconfig.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const last: string[] = [];
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      last.push(line);
      if (last.length > LAST_LINES_KEPT) last.shift();
      options.onOutput?.(`[${spec.name}] ${line}`);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const stop = async (graceMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited(child);
    clearTimeout(timer);
  };
  const kill = async () => {
    child.kill('SIGKILL');
    await exited(child);
  };
  return {
    name: spec.name,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    stop,
    kill,
    lastLines: () => [...last],
  };
}

/**
 * The status a GET answers, by node:http rather than fetch: fetch refuses the ports browsers
 * block (6000 among them, the web app's port with CARELOG_PORT_OFFSET=3000).
 */
function statusOf(url: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const request = get(url, { timeout: 5_000 }, (response) => {
      response.resume();
      resolvePromise(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`${url} did not answer`)));
    request.on('error', reject);
  });
}

/**
 * Waits until the service's /health/ready answers 200; fails at once if the process exits,
 * with the last lines it wrote (one JSON line per event, never record content), so that a
 * CI log shows why without the service's own log file.
 */
export async function waitForReady(service: RunningService, timeoutMs = 90_000): Promise<void> {
  let ready = false;
  const exitedEarly = exited(service.process).then(() => {
    if (!ready)
      throw new Error(
        [
          `${service.name} exited (code ${service.process.exitCode}) before it was ready; its last lines:`,
          ...service.lastLines(),
        ].join('\n'),
      );
  });
  const answered = waitUntil(
    `${service.name} /health/ready`,
    async () => (await statusOf(`${service.baseUrl}/health/ready`)) === 200,
    { timeoutMs, intervalMs: 250 },
  ).then(() => {
    ready = true;
  });
  await Promise.race([answered, exitedEarly]);
}
