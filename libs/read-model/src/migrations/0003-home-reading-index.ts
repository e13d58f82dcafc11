import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The record API's home-reading rules look, on every sweep, for patients with a home reading
 * recorded lately: a partial index keeps that a short range scan however large the record grows.
 */
export class HomeReadingIndex1795700001400 implements MigrationInterface {
  name = 'HomeReadingIndex1795700001400';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX record_entry_home_readings ON record_entry (recorded_at)
       WHERE entry_type = 'HomeReadingRecorded'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX record_entry_home_readings`);
  }
}
