import { setting } from '@carelog/config';
import { configuredDatabaseUrl, ParameterFreeLogger } from '@carelog/read-model';
import { DataSource } from 'typeorm';
import { AuditTrail1795600000000 } from './migrations/0001-audit-trail';
import { AccessBasisAndReviews1795700000000 } from './migrations/0002-access-basis-and-reviews';

/**
 * The audit trail lives in a schema of its own, beside the read model, because it is not
 * rebuilt from Kafka: it is the original. CARELOG_AUDIT_SCHEMA gives a test (or the
 * verifier) another one.
 */
export const auditSchema = (): string => setting('CARELOG_AUDIT_SCHEMA');

export const AUDIT_MIGRATIONS = [AuditTrail1795600000000, AccessBasisAndReviews1795700000000];

export interface AuditDataSourceOptions {
  url?: string;
  schema?: string;
  poolSize?: number;
  applicationName: string;
}

/** A Postgres data source on the audit schema, with its migrations; never logs parameters. */
export function auditDataSource(options: AuditDataSourceOptions): DataSource {
  const schema = options.schema ?? auditSchema();
  return new DataSource({
    type: 'postgres',
    url: options.url ?? configuredDatabaseUrl(),
    schema,
    applicationName: options.applicationName,
    migrations: AUDIT_MIGRATIONS,
    migrationsTableName: 'audit_migrations',
    extra: { max: options.poolSize ?? 10, options: `-c search_path=${schema}` },
    logger: new ParameterFreeLogger(),
    maxQueryExecutionTime: 2000,
  });
}
