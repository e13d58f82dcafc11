import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LifelongRecord1795500000000 implements MigrationInterface {
  name = 'LifelongRecord1795500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE record_entry (
        event_id uuid PRIMARY KEY,
        current_event_id uuid NOT NULL,
        nhs_number char(10) NOT NULL,
        entry_type text NOT NULL,
        domain text NOT NULL,
        schema_version int NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        amended_at timestamptz,
        version_count int NOT NULL DEFAULT 1,
        source jsonb NOT NULL,
        author jsonb NOT NULL,
        sensitivity text[] NOT NULL DEFAULT '{}',
        attention jsonb,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'current',
        entered_in_error_at timestamptz,
        entered_in_error_reason text
      )`);
    await runner.query(
      `CREATE INDEX record_entry_patient_time ON record_entry (nhs_number, occurred_at, event_id)`,
    );
    await runner.query(`
      CREATE TABLE entry_version (
        event_id uuid PRIMARY KEY,
        entry_id uuid NOT NULL,
        nhs_number char(10) NOT NULL,
        entry_type text NOT NULL,
        domain text NOT NULL,
        schema_version int NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        source jsonb NOT NULL,
        author jsonb NOT NULL,
        sensitivity text[] NOT NULL DEFAULT '{}',
        attention jsonb,
        payload jsonb NOT NULL,
        supersedes_reason text,
        correlation_id text NOT NULL,
        topic text NOT NULL,
        kafka_partition int NOT NULL,
        kafka_offset bigint NOT NULL
      )`);
    await runner.query(`CREATE INDEX entry_version_entry ON entry_version (entry_id, recorded_at)`);
    await runner.query(
      `CREATE INDEX entry_version_patient ON entry_version (nhs_number, recorded_at)`,
    );
    await runner.query(`
      CREATE TABLE care_relationship (
        started_by_event_id uuid PRIMARY KEY,
        nhs_number char(10) NOT NULL,
        organisation text NOT NULL,
        kind text NOT NULL,
        started_at timestamptz NOT NULL,
        expires_at timestamptz,
        ended_at timestamptz
      )`);
    await runner.query(
      `CREATE INDEX care_relationship_patient_org ON care_relationship (nhs_number, organisation)`,
    );
    await runner.query(`
      CREATE TABLE consent_state (
        nhs_number char(10) NOT NULL,
        subject text NOT NULL,
        active boolean NOT NULL,
        detail jsonb NOT NULL,
        changed_at timestamptz NOT NULL,
        changed_by_event_id uuid NOT NULL,
        PRIMARY KEY (nhs_number, subject)
      )`);
    await runner.query(`
      CREATE TABLE projection_checkpoint (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        kafka_partition int NOT NULL,
        next_offset bigint NOT NULL,
        PRIMARY KEY (consumer_group, topic, kafka_partition)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [
      'projection_checkpoint',
      'consent_state',
      'care_relationship',
      'entry_version',
      'record_entry',
    ]) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
