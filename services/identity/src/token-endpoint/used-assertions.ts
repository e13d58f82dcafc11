import { Pool } from 'pg';
import { migrationDatabaseUrl, schemaGrantsSql } from '@carelog/read-model';

/**
 * Client assertions already exchanged, by client and `jti`, kept until they expire: shared by
 * every instance of the token endpoint through Postgres, so a replay is refused whichever
 * instance it reaches.
 */
export class UsedAssertions {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  /**
   * Creates the table; several instances starting at once take turns (advisory lock). With
   * CARELOG_MIGRATION_DATABASE_URL it does so as the owner, then grants the schema to the
   * identity service's role.
   */
  async migrate(): Promise<void> {
    const url = migrationDatabaseUrl();
    const owner = url ? new Pool({ connectionString: url, max: 1 }) : this.pool;
    try {
      await this.migrateOn(owner);
    } finally {
      if (owner !== this.pool) await owner.end();
    }
  }

  private async migrateOn(pool: Pool): Promise<void> {
    const client = await pool.connect();
    const lock = `carelog-migrations:${this.schema}`;
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${this.schema}".used_client_assertion (
           client_id text NOT NULL,
           jti text NOT NULL,
           expires_at timestamptz NOT NULL,
           PRIMARY KEY (client_id, jti)
         )`,
      );
      await client.query(schemaGrantsSql('identity', this.schema));
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
      client.release();
    }
  }

  /** True the first time this assertion is seen; false for a replay. */
  async claim(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    await this.pool.query(
      `DELETE FROM "${this.schema}".used_client_assertion WHERE client_id = $1 AND expires_at < now() - interval '1 hour'`,
      [clientId],
    );
    const inserted = await this.pool.query(
      `INSERT INTO "${this.schema}".used_client_assertion (client_id, jti, expires_at)
       VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [clientId, jti, expiresAt],
    );
    return inserted.rowCount === 1;
  }

  async isReady(): Promise<boolean> {
    const result = await this.pool.query<{ present: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AS present`,
      [`"${this.schema}".used_client_assertion`],
    );
    return result.rows[0]?.present === true;
  }
}
