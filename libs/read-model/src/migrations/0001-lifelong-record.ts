import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LifelongRecord1795500000000 implements MigrationInterface {
  name = 'LifelongRecord1795500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE record_entry (
        event_id uuid PRIMARY KEY,
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
        correlation_id text NOT NULL,
        topic text NOT NULL,
        kafka_partition int NOT NULL,
        kafka_offset bigint NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX record_entry_patient_time ON record_entry (nhs_number, occurred_at, event_id)`,
    );
    await runner.query(`
      CREATE TABLE care_relationship (
        started_by_event_id uuid PRIMARY KEY,
        nhs_number char(10) NOT NULL,
        organisation text NOT NULL,
        kind text NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz
      )`);
    await runner.query(
      `CREATE INDEX care_relationship_patient_org ON care_relationship (nhs_number, organisation)`,
    );
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
    await runner.query('DROP TABLE projection_checkpoint');
    await runner.query('DROP TABLE care_relationship');
    await runner.query('DROP TABLE record_entry');
  }
}
