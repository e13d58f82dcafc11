import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who has asked to be notified (subscribers, their webhooks), what they were told
 * (notifications, in `seq` order for the event stream), each webhook delivery's state, and
 * the consumer's own Kafka checkpoints. Names are qualified with the data source's schema.
 */
export class Notifications1795700000000 implements MigrationInterface {
  name = 'Notifications1795700000000';

  async up(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'notifications'}"`;
    await runner.query(`
      CREATE TABLE ${schema}.subscriber (
        user_id text NOT NULL,
        role text NOT NULL,
        organisation text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, role, organisation)
      )`);
    await runner.query(
      `CREATE INDEX subscriber_by_organisation ON ${schema}.subscriber (organisation, role)`,
    );
    await runner.query(`
      CREATE TABLE ${schema}.webhook_subscription (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        role text NOT NULL,
        organisation text NOT NULL,
        url text NOT NULL,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await runner.query(`
      CREATE INDEX webhook_subscription_owner ON ${schema}.webhook_subscription (user_id, role, organisation)
      WHERE deleted_at IS NULL`);
    await runner.query(`
      CREATE TABLE ${schema}.notification (
        seq bigserial UNIQUE,
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        user_id text NOT NULL,
        role text NOT NULL,
        organisation text NOT NULL,
        nhs_number char(10) NOT NULL,
        entry_type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        reason text NOT NULL CHECK (reason IN ('entry-type', 'attention')),
        -- What the access rules look at (sensitivity, authoring organisation, attention), kept to
        -- decide again before each delivery; never sent, and never the payload.
        entry_facts jsonb NOT NULL,
        link text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (event_id, user_id, role, organisation)
      )`);
    await runner.query(
      `CREATE INDEX notification_by_recipient ON ${schema}.notification (user_id, role, organisation, seq)`,
    );
    await runner.query(`
      CREATE TABLE ${schema}.webhook_delivery (
        id uuid PRIMARY KEY,
        notification_id uuid NOT NULL REFERENCES ${schema}.notification (id),
        subscription_id uuid NOT NULL REFERENCES ${schema}.webhook_subscription (id),
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled', 'withdrawn')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (notification_id, subscription_id)
      )`);
    await runner.query(`
      CREATE INDEX webhook_delivery_due ON ${schema}.webhook_delivery (next_attempt_at)
      WHERE status = 'pending'`);
    await runner.query(`
      CREATE TABLE ${schema}.consumer_checkpoint (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        kafka_partition int NOT NULL,
        next_offset bigint NOT NULL,
        PRIMARY KEY (consumer_group, topic, kafka_partition)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const schema = `"${(runner.connection.options as { schema?: string }).schema ?? 'notifications'}"`;
    for (const table of [
      'consumer_checkpoint',
      'webhook_delivery',
      'notification',
      'webhook_subscription',
      'subscriber',
    ])
      await runner.query(`DROP TABLE ${schema}.${table}`);
  }
}
