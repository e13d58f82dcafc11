import type { DataSource } from 'typeorm';
import { asOwner, schemaGrantsSql } from '@carelog/read-model';

/** The record API's own tables (break-glass grants, journal marks). */
export const RECORD_API_SCHEMA = 'record_api';

/**
 * Creates the record API's own tables, if missing: as the owner role (the service's own role
 * may not create anything), one instance at a time, then grants the schema to the service.
 */
export async function migrateRecordApiSchema(
  dataSource: DataSource,
  statements: readonly string[],
): Promise<void> {
  await asOwner(dataSource, async (owner) => {
    const runner = owner.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext('carelog-record-api-schema'))`);
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${RECORD_API_SCHEMA}`);
      for (const statement of statements) await runner.query(statement);
      await runner.query(schemaGrantsSql('recordApi', RECORD_API_SCHEMA));
    } finally {
      await runner
        .query(`SELECT pg_advisory_unlock(hashtext('carelog-record-api-schema'))`)
        .catch(() => undefined);
      await runner.release();
    }
  });
}
