import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The export's own state, rebuilt from Kafka like the read model. It holds no NHS numbers and
 * no record content: patients are known by their pseudonym, and a staged entry is the
 * already-pseudonymised feed event, cleared once it has been decided.
 */
export class AnalyticsExport1795700000000 implements MigrationInterface {
  name = 'AnalyticsExport1795700000000';

  async up(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'analytics_export'}"`;
    await runner.query(`
      CREATE TABLE ${schema}.consumer_checkpoint (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        kafka_partition int NOT NULL,
        next_offset bigint NOT NULL,
        max_recorded_at timestamptz,
        PRIMARY KEY (consumer_group, topic, kafka_partition)
      )`);
    await runner.query(`
      CREATE TABLE ${schema}.opt_out (
        patient_pseudonym text NOT NULL,
        opt_out_type text NOT NULL CHECK (opt_out_type IN ('national-data-opt-out', 'type-1')),
        active boolean NOT NULL,
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (patient_pseudonym, opt_out_type)
      )`);
    await runner.query(`
      CREATE TABLE ${schema}.staged_entry (
        analytics_id text PRIMARY KEY,
        patient_pseudonym text NOT NULL,
        setting text NOT NULL,
        organisation text NOT NULL,
        clinical_day date NOT NULL,
        recorded_at timestamptz NOT NULL,
        message bytea,
        outcome text CHECK (outcome IN ('exported', 'national-data-opt-out', 'type-1-opt-out')),
        released_at timestamptz,
        CHECK ((released_at IS NULL) = (outcome IS NULL)),
        CHECK (released_at IS NOT NULL OR message IS NOT NULL)
      )`);
    await runner.query(`
      CREATE INDEX staged_entry_waiting ON ${schema}.staged_entry (recorded_at)
      WHERE released_at IS NULL`);
    await runner.query(`
      CREATE TABLE ${schema}.entry_count (
        organisation text NOT NULL,
        day date NOT NULL,
        setting text NOT NULL,
        entries_exported bigint NOT NULL CHECK (entries_exported >= 0),
        PRIMARY KEY (organisation, day, setting)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'analytics_export'}"`;
    for (const table of ['entry_count', 'staged_entry', 'opt_out', 'consumer_checkpoint'])
      await runner.query(`DROP TABLE ${schema}.${table}`);
  }
}
