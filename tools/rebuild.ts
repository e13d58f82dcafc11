import { spawn } from 'node:child_process';
import { nodeArguments, repoRoot, serviceDatabaseEnv } from '@carelog/local-infra';
import { configuredDatabaseUrl } from '@carelog/read-model';

/**
 * `npm run projection:rebuild` on a developer's machine. Against the local database it runs the
 * rebuild as `npm start` runs every service: on the rebuild's own role, its tables made by the
 * owner role. As the superuser of the local database, the new version's schema would belong to
 * the superuser, and a running projection (on its own role) could not follow the switch into
 * it. Against any other database, DATABASE_URL is used as given: a deployment gives the rebuild
 * job its own role (and CARELOG_LOCAL_DB_ROLES=off keeps the given one locally).
 */
const env = { ...process.env, DATABASE_URL: configuredDatabaseUrl() };
const rebuild = spawn(process.execPath, nodeArguments('services/projection/src/rebuild/main.ts'), {
  cwd: repoRoot,
  env: { ...env, ...serviceDatabaseEnv('rebuild', env) },
  stdio: 'inherit',
});
rebuild.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
