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

/** A correction keeps the entry's flag: each published version remembers its flag and what it amends. */
export class PublishedEntryFlags1796000000000 implements MigrationInterface {
  name = 'PublishedEntryFlags1796000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE published_entry ADD COLUMN IF NOT EXISTS attention jsonb,
         ADD COLUMN IF NOT EXISTS supersedes uuid`,
    );
    await runner.query(
      `CREATE INDEX IF NOT EXISTS published_entry_supersedes ON published_entry (supersedes)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE published_entry DROP COLUMN IF EXISTS attention, DROP COLUMN IF EXISTS supersedes',
    );
  }
}
