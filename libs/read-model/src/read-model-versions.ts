import { setting } from '@carelog/config';
import type { DataSource } from 'typeorm';
import { READ_MODEL_TABLES } from './entities';
import { schemaGrantsSql } from './database-roles';
import {
  asOwner,
  migrateReadModel,
  migrationDatabaseUrl,
  readModelDataSource,
  servingSchema,
} from './data-source';

export interface ReadModelVersion {
  version: number;
  /** Where this version's tables are. */
  schema: string;
  /** The consumer group that builds it; its offsets live in the version's checkpoint table. */
  consumerGroup: string;
}

export const projectionGroupPrefix = (): string => setting('CARELOG_PROJECTION_GROUP');

export function readModelVersion(version: number, serving = servingSchema()): ReadModelVersion {
  return {
    version,
    schema: `${serving}_v${version}`,
    consumerGroup: `${projectionGroupPrefix()}-v${version}`,
  };
}

/**
 * Which read-model version serves, and the switch between versions. The serving schema
 * holds one view per table over the active version, and a one-row state table; switching
 * replaces the views and the row in one transaction, so readers see the old version or the
 * new one, never a mixture.
 */
export class ReadModelVersions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly serving = servingSchema(),
  ) {}

  private async lock<T>(work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [
        `carelog-read-model:${this.serving}`,
      ]);
      return await work();
    } finally {
      await runner
        .query('SELECT pg_advisory_unlock(hashtext($1))', [`carelog-read-model:${this.serving}`])
        .catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * The state table, views and version schemas belong to the owner: with a migration URL
   * they are changed as the owner (the service's own role only reads and writes rows), then
   * the serving schema's views are granted to the roles that read the read model.
   */
  private ddl<T>(work: (owner: DataSource) => Promise<T>): Promise<T> {
    return asOwner(this.dataSource, async (owner) => {
      const result = await work(owner);
      await owner.query(schemaGrantsSql('readModel', this.serving));
      return result;
    });
  }

  private async ensureStateTable(): Promise<void> {
    await this.ddl((owner) => this.createStateTable(owner));
  }

  private async createStateTable(owner: DataSource): Promise<void> {
    await owner.query(`CREATE SCHEMA IF NOT EXISTS "${this.serving}"`);
    await owner.query(
      `CREATE TABLE IF NOT EXISTS "${this.serving}".read_model_state (
         singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
         active_version int NOT NULL,
         latest_version int NOT NULL,
         switched_at timestamptz NOT NULL
       )`,
    );
  }

  /** The serving version, or undefined before the first projection has started. */
  async active(): Promise<ReadModelVersion | undefined> {
    const present = await this.dataSource.query<Array<{ present: boolean }>>(
      `SELECT to_regclass($1) IS NOT NULL AS present`,
      [`"${this.serving}".read_model_state`],
    );
    if (!present[0]?.present) return undefined;
    const rows = await this.dataSource.query<Array<{ active_version: number }>>(
      `SELECT active_version FROM "${this.serving}".read_model_state`,
    );
    return rows[0] ? readModelVersion(rows[0].active_version, this.serving) : undefined;
  }

  /** The active version, creating version 1 and serving it when there is none yet. */
  async activeOrInitial(): Promise<ReadModelVersion> {
    return this.lock(async () => {
      await this.ensureStateTable();
      const current = await this.active();
      if (current) return current;
      const first = await this.prepareLocked(1);
      await this.switchLocked(first);
      return first;
    });
  }

  /** Creates the next version's empty schema beside the serving one. */
  async prepareNext(): Promise<ReadModelVersion> {
    return this.lock(async () => {
      await this.ensureStateTable();
      const rows = await this.dataSource.query<Array<{ latest_version: number }>>(
        `SELECT latest_version FROM "${this.serving}".read_model_state`,
      );
      const next = (rows[0]?.latest_version ?? 0) + 1;
      const version = await this.prepareLocked(next);
      await this.ddl((owner) =>
        owner.query(`UPDATE "${this.serving}".read_model_state SET latest_version = $1`, [next]),
      );
      return version;
    });
  }

  async switchTo(version: ReadModelVersion): Promise<void> {
    await this.lock(() => this.switchLocked(version));
  }

  /**
   * Brings a version's tables up to date (a later release may add tables) and, when it is the
   * serving one, exposes any table that has no view yet. Safe to call from every instance.
   */
  async upgrade(version: ReadModelVersion): Promise<void> {
    await this.lock(async () => {
      const writer = readModelDataSource({
        schema: version.schema,
        applicationName: 'carelog-read-model-upgrade',
        // Two: migrateExclusively holds one connection for its lock while migrations use another.
        poolSize: 2,
      });
      await writer.initialize();
      try {
        await migrateReadModel(writer);
      } finally {
        await writer.destroy();
      }
      if ((await this.active())?.version !== version.version) return;
      await this.ddl(async (owner) => {
        for (const table of READ_MODEL_TABLES) {
          await owner.query(
            `CREATE OR REPLACE VIEW "${this.serving}"."${table}" AS SELECT * FROM "${version.schema}"."${table}"`,
          );
        }
      });
    });
  }

  private async prepareLocked(number: number): Promise<ReadModelVersion> {
    const version = readModelVersion(number, this.serving);
    const writer = readModelDataSource({
      // Dropping a stale version's schema is the owner's to do.
      url: migrationDatabaseUrl(),
      schema: version.schema,
      applicationName: 'carelog-read-model-prepare',
      poolSize: 2,
    });
    await writer.initialize();
    try {
      await writer.query(`DROP SCHEMA IF EXISTS "${version.schema}" CASCADE`);
      await migrateReadModel(writer);
    } finally {
      await writer.destroy();
    }
    return version;
  }

  private async switchLocked(version: ReadModelVersion): Promise<void> {
    await this.ddl((owner) => this.switchAsOwner(owner, version));
  }

  private async switchAsOwner(owner: DataSource, version: ReadModelVersion): Promise<void> {
    await owner.transaction(async (manager) => {
      for (const table of READ_MODEL_TABLES) {
        await manager.query(`DROP VIEW IF EXISTS "${this.serving}"."${table}"`);
        await manager.query(
          `CREATE VIEW "${this.serving}"."${table}" AS SELECT * FROM "${version.schema}"."${table}"`,
        );
      }
      await manager.query(
        `INSERT INTO "${this.serving}".read_model_state (singleton, active_version, latest_version, switched_at)
         VALUES (true, $1, $1, now())
         ON CONFLICT (singleton) DO UPDATE SET active_version = $1,
           latest_version = GREATEST("${this.serving}".read_model_state.latest_version, $1), switched_at = now()`,
        [version.version],
      );
    });
  }
}
