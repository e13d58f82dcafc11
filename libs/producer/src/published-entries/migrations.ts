import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PublishedEntries1795600000000 implements MigrationInterface {
  name = 'PublishedEntries1795600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE published_entry (
        event_id uuid PRIMARY KEY,
        request_hash text NOT NULL,
        organisation text NOT NULL,
        entry_type text NOT NULL,
        domain text NOT NULL,
        nhs_number char(10) NOT NULL,
        occurred_at timestamptz NOT NULL,
        sensitivity text[] NOT NULL DEFAULT '{}',
        topic text NOT NULL,
        kafka_partition int NOT NULL,
        kafka_offset bigint NOT NULL,
        published_at timestamptz NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE published_entry');
  }
}
