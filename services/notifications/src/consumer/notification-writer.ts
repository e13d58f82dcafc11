import { CheckpointStore, type PartitionRef } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import type { NotificationReason, StoredEntryFacts } from '../recipients/recipients';

/** One notification as stored: addressed to one identity, with minimal content (no payload, no free text). */
export interface NotificationRow {
  id: string;
  eventId: string;
  userId: string;
  role: string;
  organisation: string;
  nhsNumber: string;
  entryType: string;
  occurredAt: Date;
  reason: NotificationReason;
  link: string;
  facts: StoredEntryFacts;
}

/** The Postgres channel told when new notifications are committed (one per schema). */
export const notificationsChannel = (schema: string): string => `${schema}_new`.slice(0, 63);

/**
 * Writes a partition batch's notifications, their webhook deliveries and the partition's next
 * offset in one transaction. Idempotent by (event, recipient): a replayed batch adds nothing.
 */
export class NotificationWriter {
  /** The consumer's checkpoints, in the notifications' own schema. */
  readonly checkpoints: CheckpointStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    this.checkpoints = new CheckpointStore(dataSource, 'consumer_checkpoint');
  }

  /** Returns how many notifications were new. */
  async write(
    batch: PartitionRef,
    notifications: readonly NotificationRow[],
    nextOffset: bigint,
  ): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      let created = 0;
      if (notifications.length > 0) {
        // Serialises notification writers (across instances) so that `seq` values become
        // visible in the order they are taken: an event stream resuming after seq N then
        // never misses a smaller seq committed later.
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
          `carelog-notifications:${this.schema}`,
        ]);
        const column = <T>(pick: (row: NotificationRow) => T): T[] => notifications.map(pick);
        const inserted = await manager.query<Array<{ id: string }>>(
          `INSERT INTO notification (id, event_id, user_id, role, organisation, nhs_number, entry_type, occurred_at, reason, link,
                                     entry_facts)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                $8::timestamptz[], $9::text[], $10::text[], $11::jsonb[])
           ON CONFLICT (event_id, user_id, role, organisation) DO NOTHING
           RETURNING id`,
          [
            column((row) => row.id),
            column((row) => row.eventId),
            column((row) => row.userId),
            column((row) => row.role),
            column((row) => row.organisation),
            column((row) => row.nhsNumber),
            column((row) => row.entryType),
            column((row) => row.occurredAt.toISOString()),
            column((row) => row.reason),
            column((row) => row.link),
            column((row) => JSON.stringify(row.facts)),
          ],
        );
        created = inserted.length;
        if (created > 0) {
          await manager.query(
            `INSERT INTO webhook_delivery (id, notification_id, subscription_id)
             SELECT gen_random_uuid(), n.id, s.id
             FROM notification n
             JOIN webhook_subscription s
               ON s.user_id = n.user_id AND s.role = n.role AND s.organisation = n.organisation
              AND s.deleted_at IS NULL
             WHERE n.id = ANY($1::uuid[])
             ON CONFLICT (notification_id, subscription_id) DO NOTHING`,
            [inserted.map((row) => row.id)],
          );
          // Delivered at commit to every instance's listener (streams, webhook worker).
          await manager.query('SELECT pg_notify($1, $2)', [notificationsChannel(this.schema), '']);
        }
      }
      await this.checkpoints.store(manager, batch, nextOffset);
      return created;
    });
  }
}
