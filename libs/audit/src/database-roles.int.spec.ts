import { randomUUID } from 'node:crypto';
import {
  configuredDatabaseUrl,
  migrateExclusively,
  readModelDataSource,
  ReadModelVersions,
  OWNER_ROLE,
  roleDatabaseUrl,
  rolesSql,
  SERVICE_ROLES,
  type PlatformSchemas,
} from '@carelog/read-model';
import { nextTestNhsNumber, uniqueName } from '@carelog/testing';
import { Client } from 'pg';
import { auditDataSource } from './audit-data-source';

/**
 * Connects as each service's own role and tries what a compromised service would: change or
 * remove audit rows, drop or disable the append-only trigger, write another service's schema.
 * Every attempt must be refused by Postgres itself.
 */
describe('least-privilege Postgres roles', () => {
  const suffix = uniqueName('roles').replace(/[^a-z0-9_]/g, '_');
  const schemas: PlatformSchemas = {
    audit: `audit_${suffix}`,
    readModel: `read_model_${suffix}`,
    recordApi: `record_api_${suffix}`,
    producer: `producer_${suffix}`,
    notifications: `notifications_${suffix}`,
    analyticsExport: `analytics_export_${suffix}`,
    identity: `identity_${suffix}`,
  };
  const adminUrl = configuredDatabaseUrl();
  const database = new URL(adminUrl).pathname.slice(1);
  let admin: Client;

  async function as<T>(role: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: roleDatabaseUrl(adminUrl, role) });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** The Postgres error (its SQLSTATE and message) a statement fails with, or 'allowed'. */
  const attempt = async (client: Client, sql: string): Promise<string> => {
    try {
      await client.query(sql);
      return 'allowed';
    } catch (error) {
      return `${(error as { code?: string }).code ?? '?'} ${(error as Error).message}`;
    }
  };

  /** Tries, one at a time, to write into every schema the role is not given. */
  async function foreignWrites(client: Client, own: readonly (keyof PlatformSchemas)[]) {
    const outcomes: Array<{ schema: string; insert: string; create: string }> = [];
    for (const key of Object.keys(schemas) as Array<keyof PlatformSchemas>) {
      if (key === 'audit' || own.includes(key)) continue;
      outcomes.push({
        schema: key,
        insert: await attempt(
          client,
          `INSERT INTO "${schemas[key]}".service_row VALUES (${outcomes.length + 1000})`,
        ),
        create: await attempt(client, `CREATE TABLE "${schemas[key]}".intruder (id int)`),
      });
    }
    return outcomes;
  }

  const insertAuditRow = (client: Client) =>
    client.query(
      `INSERT INTO "${schemas.audit}".access_event
         (seq, access_id, occurred_at, actor, nhs_number, action, outcome, entries_shown,
          break_glass, prev_hash, hash)
       VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM "${schemas.audit}".access_event), $1, now(),
               '{"userId":"u","role":"gp","organisation":"A81001"}', $2, 'read-record', 'allowed',
               1, NULL, $3, $4)`,
      [randomUUID(), nextTestNhsNumber(), randomUUID(), randomUUID()],
    );

  beforeAll(async () => {
    admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    // A read-model version made before the roles existed (by the superuser): the script must
    // hand it to the owner and grant on it like the serving schema.
    await admin.query(`CREATE SCHEMA "${schemas.readModel}_v1"`);
    await admin.query(`CREATE TABLE "${schemas.readModel}_v1".record_entry (id int PRIMARY KEY)`);
    // A table with its own sequence (as TypeORM's migrations tables have), made by the superuser.
    await admin.query(`CREATE TABLE "${schemas.readModel}_v1".migrations (id serial PRIMARY KEY)`);
    await admin.query(rolesSql(database, schemas));
    // Migrations run as the owner: the audit trail's, and a table in every other schema.
    const owned = auditDataSource({
      url: roleDatabaseUrl(adminUrl, OWNER_ROLE),
      schema: schemas.audit,
      applicationName: 'roles-test-owner',
      // The migration lock holds one connection while the migrations use another.
      poolSize: 2,
    });
    await owned.initialize();
    await migrateExclusively(owned, schemas.audit, 'audit');
    await owned.destroy();
    await as(OWNER_ROLE, async (owner) => {
      for (const schema of Object.values(schemas).filter((name) => name !== schemas.audit))
        await owner.query(`CREATE TABLE "${schema}".service_row (id int PRIMARY KEY)`);
    });
    await as('carelog_record_api', insertAuditRow);
  });

  afterAll(async () => {
    for (const schema of [...Object.values(schemas), `${schemas.readModel}_v1`])
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('lets the record API append audit rows and read them, and nothing more', async () => {
    await as('carelog_record_api', async (client) => {
      await insertAuditRow(client);
      const { rows } = await client.query<{ count: string }>(
        `SELECT count(*) FROM "${schemas.audit}".access_event`,
      );
      expect(Number(rows[0]?.count)).toBeGreaterThanOrEqual(2);
    });
  });

  it('the audit table, its trigger and every schema belong to the owner role, not a service', async () => {
    const { rows } = await admin.query<{ owner: string }>(
      `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1)`,
      [[...Object.values(schemas), `${schemas.readModel}_v1`]],
    );
    expect(rows.map((row) => row.owner)).toEqual([OWNER_ROLE]);
    const super_ = await admin.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname = ANY($1) AND (rolsuper OR rolbypassrls OR rolcreaterole)`,
      [[OWNER_ROLE, ...SERVICE_ROLES.map((service) => service.role)]],
    );
    expect(super_.rows).toEqual([]);
  });

  for (const service of SERVICE_ROLES) {
    it(`${service.service} (${service.role}) cannot change or remove audit rows, touch the trigger, or write another service's schema`, async () => {
      const audit = `"${schemas.audit}".access_event`;
      const results = await as(service.role, async (client) => ({
        update: await attempt(client, `UPDATE ${audit} SET outcome = 'denied' WHERE seq = 1`),
        delete: await attempt(client, `DELETE FROM ${audit} WHERE seq = 1`),
        truncate: await attempt(client, `TRUNCATE ${audit}`),
        dropTrigger: await attempt(client, `DROP TRIGGER access_event_append_only ON ${audit}`),
        disableTrigger: await attempt(
          client,
          `ALTER TABLE ${audit} DISABLE TRIGGER access_event_append_only`,
        ),
        replicaMode: await attempt(client, `SET session_replication_role = replica`),
        dropTable: await attempt(client, `DROP TABLE ${audit}`),
        foreignWrites: await foreignWrites(client, service.writes),
      }));
      // 42501 insufficient_privilege; the trigger statements need ownership (also 42501).
      for (const outcome of [
        results.update,
        results.delete,
        results.truncate,
        results.dropTrigger,
        results.disableTrigger,
        results.replicaMode,
        results.dropTable,
      ])
        expect(outcome).toMatch(/^42501 /);
      expect(results.foreignWrites.length).toBeGreaterThan(0);
      for (const write of results.foreignWrites) {
        expect(write.insert).toMatch(/^42501 /);
        expect(write.create).toMatch(/^42501 /);
      }
    });
  }

  it('covers the read-model versions: the projection writes them, the record API only reads', async () => {
    const table = `"${schemas.readModel}_v1".record_entry`;
    await as('carelog_projection', (client) => client.query(`INSERT INTO ${table} VALUES (1)`));
    await as('carelog_record_api', async (client) => {
      expect((await client.query(`SELECT id FROM ${table}`)).rows).toEqual([{ id: 1 }]);
      expect(await attempt(client, `INSERT INTO ${table} VALUES (2)`)).toMatch(/^42501 /);
    });
  });

  it('migrates a schema of any name as the owner (CARELOG_MIGRATION_DATABASE_URL) and grants it to its roles', async () => {
    const schema = uniqueName('audit_migrated');
    process.env['CARELOG_MIGRATION_DATABASE_URL'] = roleDatabaseUrl(adminUrl, OWNER_ROLE);
    const recordApi = auditDataSource({
      url: roleDatabaseUrl(adminUrl, 'carelog_record_api'),
      schema,
      applicationName: 'roles-test-record-api',
      poolSize: 2,
    });
    await recordApi.initialize();
    try {
      await migrateExclusively(recordApi, schema, 'audit');
      const [owner] = await recordApi.query<Array<{ owner: string }>>(
        `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class
         WHERE oid = to_regclass($1)`,
        [`"${schema}".access_event`],
      );
      expect(owner?.owner).toBe(OWNER_ROLE);
      await recordApi.query(
        `INSERT INTO "${schema}".access_event (seq, access_id, occurred_at, actor, nhs_number,
           action, outcome, entries_shown, break_glass, prev_hash, hash)
         VALUES (1, $1, now(), '{}', '9434765919', 'read-record', 'allowed', 0, NULL, 'p', 'h')`,
        [randomUUID()],
      );
      await expect(recordApi.query(`DELETE FROM "${schema}".access_event`)).rejects.toMatchObject({
        code: '42501',
      });
      await as('carelog_projection', async (client) =>
        expect(await attempt(client, `SELECT * FROM "${schema}".access_event`)).toMatch(/^42501 /),
      );
    } finally {
      delete process.env['CARELOG_MIGRATION_DATABASE_URL'];
      await recordApi.destroy();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it('lets the record API acknowledge an alert (those columns only), never update an access event', async () => {
    const alerts = `"${schemas.audit}".privacy_officer_alert`;
    const outcomes = await as('carelog_record_api', async (client) => {
      const [row] = (
        await client.query<{ access_id: string }>(
          `SELECT access_id FROM "${schemas.audit}".access_event ORDER BY seq LIMIT 1`,
        )
      ).rows;
      await client.query(
        `INSERT INTO ${alerts} (access_id, occurred_at, actor, nhs_number, outcome)
         VALUES ($1, now(), '{"userId":"u","role":"gp","organisation":"A81001"}', '9434765919', 'allowed')`,
        [row?.access_id],
      );
      return {
        // The statement AuditTrail.acknowledgeAlert runs.
        acknowledge: await attempt(
          client,
          `UPDATE ${alerts} SET acknowledged_at = now(), acknowledged_by = '{"userId":"po"}',
             acknowledgement_outcome = 'appropriate', acknowledgement_note = NULL
           WHERE access_id = '${row?.access_id}' AND acknowledged_at IS NULL`,
        ),
        rewriteAlert: await attempt(client, `UPDATE ${alerts} SET outcome = 'denied'`),
        deleteAlert: await attempt(client, `DELETE FROM ${alerts}`),
        rewriteEvent: await attempt(
          client,
          `UPDATE "${schemas.audit}".access_event SET basis = 'break-glass'`,
        ),
      };
    });
    expect(outcomes.acknowledge).toBe('allowed');
    expect(outcomes.rewriteAlert).toMatch(/^42501 /);
    expect(outcomes.deleteAlert).toMatch(/^42501 /);
    expect(outcomes.rewriteEvent).toMatch(/^42501 /);
  });

  it('the projection serves a read model as its own role (views and state made by the owner); producers and the record API read it, none may change it', async () => {
    const serving = uniqueName('rm_roles').replace(/[^a-z0-9_]/g, '_');
    process.env['CARELOG_MIGRATION_DATABASE_URL'] = roleDatabaseUrl(adminUrl, OWNER_ROLE);
    const control = readModelDataSource({
      url: roleDatabaseUrl(adminUrl, 'carelog_projection'),
      schema: serving,
      applicationName: 'roles-test-projection',
      poolSize: 2,
    });
    await control.initialize();
    try {
      const version = await new ReadModelVersions(control, serving).activeOrInitial();
      expect(await new ReadModelVersions(control, serving).active()).toEqual(version);
      // The projection writes its version's tables (its checkpoint, rows).
      await control.query(`SELECT count(*) FROM "${version.schema}".care_relationship`);
      for (const producer of ['carelog_gp_records', 'carelog_social_care'])
        await as(producer, async (client) => {
          // The producers' relationship query (libs/producer/src/relationships/read-model-facts.ts).
          await client.query(
            `SELECT organisation, kind, ended_at, expires_at FROM "${serving}".care_relationship
             WHERE nhs_number = '9434765919'`,
          );
          expect(await attempt(client, `DELETE FROM "${serving}".care_relationship`)).toMatch(
            /^42501 /,
          );
        });
      await as('carelog_record_api', async (client) => {
        await client.query(`SELECT count(*) FROM "${serving}".record_entry`);
        await client.query(`SELECT count(*) FROM "${serving}".entry_version`);
        expect(await attempt(client, `DELETE FROM "${serving}".record_entry`)).toMatch(/^42501 /);
      });
      expect(
        await as('carelog_projection', (client) =>
          attempt(client, `DROP VIEW "${serving}".record_entry`),
        ),
      ).toMatch(/^42501 /);
    } finally {
      delete process.env['CARELOG_MIGRATION_DATABASE_URL'];
      await control.destroy();
      await admin.query(`DROP SCHEMA IF EXISTS "${serving}" CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS "${serving}_v1" CASCADE`);
    }
  });

  it('the audit rows are still all there, unchanged', async () => {
    const { rows } = await admin.query<{ count: string; denied: string }>(
      `SELECT count(*), count(*) FILTER (WHERE outcome = 'denied') AS denied FROM "${schemas.audit}".access_event`,
    );
    expect(Number(rows[0]?.count)).toBeGreaterThanOrEqual(2);
    expect(Number(rows[0]?.denied)).toBe(0);
  });
});
