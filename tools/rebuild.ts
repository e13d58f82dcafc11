import { serviceDatabaseEnv } from '@carelog/local-infra';
import { configuredDatabaseUrl } from '@carelog/read-model';

/**
 * `npm run projection:rebuild` on a developer's machine. Against the local database it runs as
 * `npm start` runs every service: on the rebuild's own role, its tables made by the owner role.
 * As the superuser of the local database, the new version's schema would belong to the
 * superuser, and a running projection (on its own role) could not follow the switch into it.
 * Against any other database, DATABASE_URL is used as given: a deployment gives the rebuild job
 * its own role (and CARELOG_LOCAL_DB_ROLES=off keeps the given one locally).
 */
Object.assign(
  process.env,
  serviceDatabaseEnv('rebuild', { ...process.env, DATABASE_URL: configuredDatabaseUrl() }),
);
// Loaded after the environment is set: the rebuild reads its settings as it starts.
void import('../services/projection/src/rebuild/main');
