import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an access was made under (`basis`, and the `claim` for a claimed relationship) and a
 * privacy officer's reviews (`review`); the alert queue learns kinds (break-glass, claim,
 * repeated-refusals) and acknowledgements with an outcome. Existing rows keep null in the new
 * columns, which the chain hash leaves out, so they verify as before.
 */
export class AccessBasisAndReviews1795700000000 implements MigrationInterface {
  name = 'AccessBasisAndReviews1795700000000';

  async up(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'audit'}"`;
    await runner.query(`
      ALTER TABLE ${schema}.access_event
        ADD COLUMN basis text,
        ADD COLUMN claim jsonb,
        ADD COLUMN review jsonb`);
    await runner.query(`
      ALTER TABLE ${schema}.privacy_officer_alert
        ADD COLUMN kind text NOT NULL DEFAULT 'break-glass'
          CHECK (kind IN ('break-glass', 'claim', 'repeated-refusals')),
        ADD COLUMN acknowledged_by jsonb,
        ADD COLUMN acknowledgement_outcome text,
        ADD COLUMN acknowledgement_note text`);
    await runner.query(
      `CREATE INDEX privacy_officer_alert_actor_organisation ON ${schema}.privacy_officer_alert ((actor->>'organisation'), occurred_at DESC)`,
    );
    await runner.query(
      `CREATE INDEX access_event_refusals ON ${schema}.access_event ((actor->>'userId'), occurred_at)
       WHERE action = 'break-glass' AND outcome = 'denied'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'audit'}"`;
    await runner.query(`DROP INDEX ${schema}.access_event_refusals`);
    await runner.query(`DROP INDEX ${schema}.privacy_officer_alert_actor_organisation`);
    await runner.query(`
      ALTER TABLE ${schema}.privacy_officer_alert
        DROP COLUMN kind, DROP COLUMN acknowledged_by, DROP COLUMN acknowledgement_outcome,
        DROP COLUMN acknowledgement_note`);
    await runner.query(
      `ALTER TABLE ${schema}.access_event DROP COLUMN basis, DROP COLUMN claim, DROP COLUMN review`,
    );
  }
}
