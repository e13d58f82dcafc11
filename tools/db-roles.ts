import { Client } from 'pg';
import { configuredDatabaseUrl, OWNER_ROLE, rolesSql, SERVICE_ROLES } from '@carelog/read-model';

/**
 * `npm run --silent db:roles -- --print`  prints the SQL script (for a DBA to review and run)
 * `npm run db:roles`                      applies it to DATABASE_URL (a superuser, or a role
 *                                         with CREATEROLE that may grant on the database)
 *
 * Passwords come from CARELOG_DB_PASSWORD_<ROLE> (e.g. CARELOG_DB_PASSWORD_CARELOG_RECORD_API);
 * a role without one gets its own name as password, which is for local use only.
 */
async function main(): Promise<number> {
  const url = configuredDatabaseUrl();
  const database = new URL(url).pathname.slice(1);
  const sql = rolesSql(database);
  if (process.argv.includes('--print')) {
    process.stdout.write(sql);
    return 0;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  process.stdout.write(
    `roles ready in ${database}: ${OWNER_ROLE} (owner, runs migrations), ${SERVICE_ROLES.map((role) => role.role).join(', ')}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `db:roles failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
