import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Links between a child's record and its mother's, both ways, made by a recorded birth
 * (docs/architecture.md, "Children"). A read model built before this migration gains an empty table:
 * run `npm run projection:rebuild` to derive the links of births it already holds.
 */
export class FamilyLinks1795700000000 implements MigrationInterface {
  name = 'FamilyLinks1795700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE family_link (
        nhs_number char(10) NOT NULL,
        linked_nhs_number char(10) NOT NULL,
        relation text NOT NULL,
        born_at timestamptz NOT NULL,
        birth_event_id uuid NOT NULL,
        PRIMARY KEY (nhs_number, linked_nhs_number)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE family_link`);
  }
}
