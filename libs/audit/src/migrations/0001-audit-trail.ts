import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access events, hash-chained in `seq` order, and the privacy officer's queue of
 * break-glass alerts. Names are qualified with the data source's schema, so the migration
 * does not depend on the search path.
 */
export class AuditTrail1795600000000 implements MigrationInterface {
  name = 'AuditTrail1795600000000';

  async up(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'audit'}"`;
    await runner.query(`
      CREATE TABLE ${schema}.access_event (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        access_id uuid NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL,
        actor jsonb NOT NULL,
        nhs_number text NOT NULL,
        action text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
        entries_shown int CHECK (entries_shown >= 0),
        break_glass jsonb,
        -- UNIQUE: two rows claiming the same predecessor would be a fork in the chain.
        prev_hash text NOT NULL UNIQUE,
        hash text NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX access_event_patient ON ${schema}.access_event (nhs_number, seq DESC)`,
    );
    // Rows are only ever added. The chain detects a change made by someone allowed to drop
    // this trigger; the trigger stops the application itself changing anything by mistake.
    await runner.query(`
      CREATE FUNCTION ${schema}.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await runner.query(`
      CREATE TRIGGER access_event_append_only BEFORE UPDATE OR DELETE ON ${schema}.access_event
      FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse_audit_change()`);
    await runner.query(`
      CREATE TRIGGER access_event_no_truncate BEFORE TRUNCATE ON ${schema}.access_event
      FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.refuse_audit_change()`);
    await runner.query(`
      CREATE TABLE ${schema}.privacy_officer_alert (
        access_id uuid PRIMARY KEY REFERENCES ${schema}.access_event (access_id),
        occurred_at timestamptz NOT NULL,
        actor jsonb NOT NULL,
        nhs_number text NOT NULL,
        outcome text NOT NULL,
        reason text,
        expires_at timestamptz,
        acknowledged_at timestamptz
      )`);
    await runner.query(`
      CREATE INDEX privacy_officer_alert_open ON ${schema}.privacy_officer_alert (occurred_at DESC)
      WHERE acknowledged_at IS NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'audit'}"`;
    await runner.query(`DROP TABLE ${schema}.privacy_officer_alert`);
    await runner.query(`DROP TABLE ${schema}.access_event`);
    await runner.query(`DROP FUNCTION ${schema}.refuse_audit_change()`);
  }
}
