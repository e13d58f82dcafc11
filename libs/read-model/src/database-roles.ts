/**
 * Least privilege in Postgres (docs/architecture.md, "Break-glass, privacy officers, audit"): one login
 * role per service with only the grants it needs, and a separate owner role that owns every
 * schema and table and runs the migrations. No service role owns anything, so none can drop
 * or disable the audit trail's append-only trigger; the record API may only SELECT and
 * INSERT audit rows.
 *
 * `npm run --silent db:roles -- --print` prints this as a SQL script; `npm run db:roles`
 * applies it to DATABASE_URL (as a superuser or a role with CREATEROLE that may grant on the
 * database). It is idempotent: run it again after adding a schema or a service.
 */

/** The schemas, by what they hold; tests give their own names. */
export interface PlatformSchemas {
  audit: string;
  readModel: string;
  recordApi: string;
  producer: string;
  notifications: string;
  analyticsExport: string;
  identity: string;
}

export const DEFAULT_SCHEMAS: PlatformSchemas = {
  audit: 'audit',
  readModel: 'read_model',
  recordApi: 'record_api',
  producer: 'producer',
  notifications: 'notifications',
  analyticsExport: 'analytics_export',
  identity: 'identity',
};

export const OWNER_ROLE = 'carelog_owner';

export type SchemaKey = keyof PlatformSchemas;

export interface ServiceRole {
  /** The service (or job) that logs in with it. */
  service: string;
  role: string;
  /** Schemas it reads and writes rows in (SELECT, INSERT, UPDATE, DELETE; never TRUNCATE). */
  writes: SchemaKey[];
  /** Schemas it only reads. */
  reads: SchemaKey[];
  /**
   * Appends to the audit trail: SELECT and INSERT only, and UPDATE of the acknowledgement
   * columns of the privacy officer's alert queue (never of an access event).
   */
  appendsAudit?: boolean;
  /** Creates schemas in the database (the rebuild's new read-model versions). */
  createsSchemas?: boolean;
}

export const SERVICE_ROLES: readonly ServiceRole[] = [
  {
    service: 'record-api',
    role: 'carelog_record_api',
    writes: ['recordApi', 'producer'],
    reads: ['readModel'],
    appendsAudit: true,
  },
  { service: 'projection', role: 'carelog_projection', writes: ['readModel'], reads: [] },
  {
    service: 'rebuild',
    role: 'carelog_rebuild',
    writes: ['readModel'],
    reads: [],
    createsSchemas: true,
  },
  // Producers read the care relationships (and entries) a write is decided against.
  { service: 'gp-records', role: 'carelog_gp_records', writes: ['producer'], reads: ['readModel'] },
  {
    service: 'social-care',
    role: 'carelog_social_care',
    writes: ['producer'],
    reads: ['readModel'],
  },
  { service: 'maternity', role: 'carelog_maternity', writes: ['producer'], reads: ['readModel'] },
  {
    service: 'urgent-care',
    role: 'carelog_urgent_care',
    writes: ['producer'],
    reads: ['readModel'],
  },
  { service: 'pharmacy', role: 'carelog_pharmacy', writes: ['producer'], reads: ['readModel'] },
  {
    service: 'community-nursing',
    role: 'carelog_community_nursing',
    writes: ['producer'],
    reads: ['readModel'],
  },
  {
    service: 'notifications',
    role: 'carelog_notifications',
    writes: ['notifications'],
    reads: ['readModel'],
  },
  {
    service: 'analytics-export',
    role: 'carelog_analytics_export',
    writes: ['analyticsExport'],
    reads: [],
  },
  { service: 'identity', role: 'carelog_identity', writes: ['identity'], reads: [] },
  { service: 'audit-verify', role: 'carelog_audit_verify', writes: [], reads: ['audit'] },
];

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
};
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** A role's password: CARELOG_DB_PASSWORD_<ROLE> (upper case), or the role's name locally. */
export function rolePassword(role: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`CARELOG_DB_PASSWORD_${role.toUpperCase()}`] ?? role;
}

/** Creates a login role if missing and (re)sets its password; never a superuser. */
function loginRole(role: string, env: NodeJS.ProcessEnv, extra = ''): string[] {
  return [
    `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN
    CREATE ROLE ${ident(role)} LOGIN;
  END IF;
END $$;`,
    `ALTER ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS ${extra} PASSWORD ${literal(rolePassword(role, env))};`,
  ];
}

/**
 * Runs `templates` (SQL with %1$I for the schema) for the schema of `key` and, for the read
 * model, each of its versions (`read_model_v1`, ...) that exists when the script runs.
 */
function forSchemas(schemas: PlatformSchemas, key: SchemaKey, templates: string[]): string {
  const name = schemas[key];
  const versions = key === 'readModel' ? ` OR nspname ~ ${literal(`^${name}_v[0-9]+$`)}` : '';
  return `DO $$ DECLARE s record; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname = ${literal(name)}${versions} LOOP
${templates.map((template) => `    EXECUTE format(${literal(template)}, s.nspname);`).join('\n')}
  END LOOP;
END $$;`;
}

/**
 * Hands every table, view and function of a schema to the owner role (a table's sequences
 * follow it: Postgres refuses to move a column's sequence on its own).
 */
const OWN_ALL = `DO $own$ DECLARE t record; BEGIN
  FOR t IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %1$L AND c.relkind IN ('r', 'v', 'm', 'p') LOOP
    EXECUTE format('ALTER %%s %%I.%%I OWNER TO ${OWNER_ROLE}',
      CASE t.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, %1$L, t.relname);
  END LOOP;
  FOR t IN SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = %1$L LOOP
    EXECUTE format('ALTER FUNCTION %%s OWNER TO ${OWNER_ROLE}', t.fn);
  END LOOP;
END $own$`;

/** The only columns the audit writer may UPDATE: a privacy officer's acknowledgement. */
export const ACKNOWLEDGEMENT_COLUMNS = [
  'acknowledged_at',
  'acknowledged_by',
  'acknowledgement_outcome',
  'acknowledgement_note',
] as const;

/**
 * The grants on one schema of a kind, for every role that uses it, as format() templates
 * (%1$I is the schema): writers get SELECT, INSERT, UPDATE, DELETE (never TRUNCATE), readers
 * SELECT, the audit writer SELECT and INSERT only; on the tables there now and, through the
 * owner's default privileges, on every table a later migration adds.
 */
function grantTemplates(key: SchemaKey): string[] {
  const templates: string[] = [];
  for (const service of SERVICE_ROLES) {
    const role = service.role;
    const tables = service.writes.includes(key)
      ? 'SELECT, INSERT, UPDATE, DELETE'
      : key === 'audit' && service.appendsAudit
        ? 'SELECT, INSERT'
        : service.reads.includes(key)
          ? 'SELECT'
          : undefined;
    if (!tables) continue;
    templates.push(
      `GRANT USAGE ON SCHEMA %1$I TO ${role}`,
      `GRANT ${tables} ON ALL TABLES IN SCHEMA %1$I TO ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${OWNER_ROLE} IN SCHEMA %1$I GRANT ${tables} ON TABLES TO ${role}`,
    );
    if (key === 'audit' && service.appendsAudit)
      templates.push(
        `DO $acks$ BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = %1$L
             AND table_name = 'privacy_officer_alert' AND column_name = 'acknowledgement_note') THEN
    EXECUTE format('GRANT UPDATE (${ACKNOWLEDGEMENT_COLUMNS.join(', ')}) ON %%I.privacy_officer_alert TO ${role}', %1$L);
  END IF;
END $acks$`,
      );
    if (service.writes.includes(key))
      templates.push(
        `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %1$I TO ${role}`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${OWNER_ROLE} IN SCHEMA %1$I GRANT USAGE, SELECT ON SEQUENCES TO ${role}`,
      );
  }
  return templates;
}

/**
 * The grants of one schema as a statement the owner runs after migrating it (a schema of any
 * name: a test's, a read-model version). Does nothing where the roles were never created. A
 * superuser running it (a job started without CARELOG_MIGRATION_DATABASE_URL) grants too, so
 * that the services on their roles can still use what it made.
 */
export function schemaGrantsSql(key: SchemaKey, schema: string): string {
  const roles = SERVICE_ROLES.map((service) => literal(service.role)).join(', ');
  return `DO $$ BEGIN
  IF (SELECT count(*) FROM pg_roles WHERE rolname IN (${literal(OWNER_ROLE)}, ${roles})) = ${SERVICE_ROLES.length + 1}
     AND (current_user = ${literal(OWNER_ROLE)}
          OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)) THEN
${grantTemplates(key)
  .map((template) => `    EXECUTE format(${literal(template)}, ${literal(schema)});`)
  .join('\n')}
  END IF;
END $$;`;
}

/** The whole script, for one database and one set of schema names. */
export function rolesSql(
  database: string,
  schemas: PlatformSchemas = DEFAULT_SCHEMAS,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const db = ident(database);
  const owner = ident(OWNER_ROLE);
  const statements: string[] = [
    '-- carelog: least-privilege roles (generated by infra/local/src/postgres-roles.ts)',
    ...loginRole(OWNER_ROLE, env),
    `GRANT CONNECT, CREATE ON DATABASE ${db} TO ${owner};`,
    // Nobody but the roles below may connect or create in the public schema.
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
    `REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
  ];
  for (const key of Object.keys(schemas) as SchemaKey[]) {
    statements.push(
      `CREATE SCHEMA IF NOT EXISTS ${ident(schemas[key])} AUTHORIZATION ${owner};`,
      forSchemas(schemas, key, [
        `ALTER SCHEMA %1$I OWNER TO ${OWNER_ROLE}`,
        OWN_ALL,
        'REVOKE ALL ON SCHEMA %1$I FROM PUBLIC',
      ]),
    );
  }
  for (const service of SERVICE_ROLES) {
    const role = ident(service.role);
    statements.push(`-- ${service.service}`, ...loginRole(service.role, env));
    statements.push(
      `GRANT CONNECT ON DATABASE ${db} TO ${role};`,
      // Members of no other role: nothing is inherited from the owner.
      `DO $$ DECLARE m record; BEGIN
  FOR m IN SELECT r.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid
           WHERE a.member = (SELECT oid FROM pg_roles WHERE rolname = ${literal(service.role)}) LOOP
    EXECUTE format('REVOKE %I FROM ${service.role}', m.rolname);
  END LOOP;
END $$;`,
    );
    if (service.createsSchemas) statements.push(`GRANT CREATE ON DATABASE ${db} TO ${role};`);
  }
  for (const key of Object.keys(schemas) as SchemaKey[])
    statements.push(forSchemas(schemas, key, grantTemplates(key)));
  return `${statements.join('\n')}\n`;
}

/** A connection URL for a role: the given URL with the role's name and password. */
export function roleDatabaseUrl(
  url: string,
  role: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const parsed = new URL(url);
  parsed.username = role;
  parsed.password = rolePassword(role, env);
  return parsed.toString();
}

/** The login role of a service or job, by its name in SERVICE_ROLES. */
export function serviceRole(service: string): string {
  const found = SERVICE_ROLES.find((candidate) => candidate.service === service);
  if (!found) throw new Error(`no database role for ${service}`);
  return found.role;
}
