import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attention tasks. A read model built before this migration gains an empty table: run
 * `npm run projection:rebuild` to derive the tasks of entries it already holds.
 */
export class AttentionTasks1795600000000 implements MigrationInterface {
  name = 'AttentionTasks1795600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE attention_task (
        task_id uuid PRIMARY KEY,
        nhs_number char(10) NOT NULL,
        entry_type text NOT NULL,
        domain text NOT NULL,
        recipient_role text NOT NULL,
        recipient_organisation text NOT NULL,
        reason text,
        flagged_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'open',
        acknowledged_at timestamptz,
        acknowledged_by jsonb,
        acknowledgement_event_id uuid,
        escalation_level int NOT NULL DEFAULT 0,
        escalated_at timestamptz,
        escalated_to_role text,
        escalated_to_organisation text
      )`);
    await runner.query(
      `CREATE INDEX attention_task_recipient ON attention_task (recipient_organisation, recipient_role, status, flagged_at)`,
    );
    await runner.query(
      `CREATE INDEX attention_task_escalated_to ON attention_task (escalated_to_organisation, escalated_to_role, status)
       WHERE escalated_to_role IS NOT NULL`,
    );
    await runner.query(
      `CREATE INDEX attention_task_open ON attention_task (flagged_at) WHERE status = 'open'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE attention_task`);
  }
}
