import { setting } from '@carelog/config';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { schemaGrantsSql, type SchemaKey } from './database-roles';
import { READ_MODEL_ENTITIES } from './entities';
import { LifelongRecord1795500000000 } from './migrations/0001-lifelong-record';
import { AttentionTasks1795600000000 } from './migrations/0002-attention-tasks';
import { FamilyLinks1795700000000 } from './migrations/0003-family-links';
import { HomeReadingIndex1795700001400 } from './migrations/0004-home-reading-index';
import { RecordSummary1795800000000 } from './migrations/0005-record-summary';
import { ParameterFreeLogger } from './safe-logger';

export const DEFAULT_DATABASE_URL = setting('DATABASE_URL', {});
export const configuredDatabaseUrl = (): string => setting('DATABASE_URL');

/**
 * The serving schema (views over the active version) and the prefix of the version schemas
 * (`read_model_v1`, `read_model_v2`, ...): a rebuild writes a new version beside the serving
 * one, then switches the views over. CARELOG_READ_MODEL_SCHEMA gives a test its own.
 */
export const DEFAULT_READ_MODEL_SCHEMA = setting('CARELOG_READ_MODEL_SCHEMA', {});
export const servingSchema = (): string => setting('CARELOG_READ_MODEL_SCHEMA');

export interface ReadModelOptions {
  url?: string;
  /** The schema unqualified names resolve in: the serving schema unless a version's is given. */
  schema?: string;
  poolSize?: number;
  applicationName: string;
}

export function readModelDataSource(options: ReadModelOptions): DataSource {
  const schema = options.schema ?? servingSchema();
  return new DataSource({
    type: 'postgres',
    url: options.url ?? configuredDatabaseUrl(),
    schema,
    applicationName: options.applicationName,
    entities: READ_MODEL_ENTITIES,
    migrations: [
      LifelongRecord1795500000000,
      AttentionTasks1795600000000,
      FamilyLinks1795700000000,
      HomeReadingIndex1795700001400,
      RecordSummary1795800000000,
    ],
    migrationsTableName: 'read_model_migrations',
    // Raw SQL (migrations, bulk writes) resolves unqualified names in the same schema.
    extra: { max: options.poolSize ?? 10, options: `-c search_path=${schema}` },
    logger: new ParameterFreeLogger(),
    maxQueryExecutionTime: 2000,
  });
}

/**
 * CARELOG_MIGRATION_DATABASE_URL: where migrations run, as the owner role (`carelog_owner`),
 * when the service itself connects as its own least-privileged role (`npm run db:roles`).
 * Unset: migrations run on the service's own connection, as before.
 */
export const migrationDatabaseUrl = (): string | undefined =>
  setting('CARELOG_MIGRATION_DATABASE_URL');

/**
 * Creates the schema if needed and applies every pending migration, holding a Postgres
 * advisory lock so that several instances starting at once migrate one after another. With a
 * migration URL, does so as the owner on a connection of its own, then grants the schema's
 * `kind` to the service roles that use it (libs/read-model/src/database-roles.ts).
 */
export async function migrateExclusively(
  dataSource: DataSource,
  schema: string,
  kind?: SchemaKey,
): Promise<void> {
  // Two: the lock holds one connection while the migrations use another.
  await asOwner(
    dataSource,
    async (migrator) => {
      const runner = migrator.createQueryRunner();
      await runner.connect();
      const lock = `carelog-migrations:${schema}`;
      try {
        await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
        await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        await migrator.runMigrations({ transaction: 'each' });
        if (kind) await runner.query(schemaGrantsSql(kind, schema));
      } finally {
        await runner
          .query('SELECT pg_advisory_unlock(hashtext($1))', [lock])
          .catch(() => undefined);
        await runner.release();
      }
    },
    2,
  );
}

/**
 * Runs DDL (schemas, tables, views) where it belongs: with CARELOG_MIGRATION_DATABASE_URL, as
 * the owner on a data source of its own (same options, `poolSize` connections) that is closed
 * afterwards; without it, on `dataSource` itself, as before.
 */
export async function asOwner<T>(
  dataSource: DataSource,
  work: (owner: DataSource) => Promise<T>,
  poolSize = 1,
): Promise<T> {
  const url = migrationDatabaseUrl();
  if (!url) return work(dataSource);
  const extra = (dataSource.options as { extra?: Record<string, unknown> }).extra ?? {};
  const owner = await new DataSource({
    ...dataSource.options,
    url,
    extra: { ...extra, max: poolSize },
  } as DataSourceOptions).initialize();
  try {
    return await work(owner);
  } finally {
    await owner.destroy();
  }
}

/** Brings one read-model version's schema up to date (the data source must be on that schema). */
export const migrateReadModel = (dataSource: DataSource): Promise<void> =>
  migrateExclusively(
    dataSource,
    (dataSource.options as { schema?: string }).schema ?? servingSchema(),
    'readModel',
  );
