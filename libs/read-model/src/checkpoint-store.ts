import type { EntityManager } from 'typeorm';

/** A consumer group's place in one partition of a topic: the key of a checkpoint. */
export interface PartitionRef {
  consumerGroup: string;
  topic: string;
  partition: number;
}

/** One partition's checkpoint as stored. */
export interface StoredCheckpoint {
  partition: number;
  /** The next offset the store needs from the partition. */
  nextOffset: bigint;
  /** The latest system time of an event stored (only where the store keeps it). */
  maxRecordedAt: Date | undefined;
}

/** What runs the SQL: a DataSource, or a transaction's EntityManager to store with the batch. */
export type CheckpointSql = Pick<EntityManager, 'query'>;

/** The checkpoint tables: the read model's, and each consumer's own schema's. */
export type CheckpointTable = 'projection_checkpoint' | 'consumer_checkpoint';

/**
 * The one way a checkpointed consumer's store reads and moves its checkpoints (the projection,
 * the notifications, the analytics export): a row per (consumer group, topic, partition)
 * holding the partition's next offset, stored in the same transaction as the batch's effects,
 * so a crash neither loses nor doubles one. `withRecordedAt` keeps, beside it, the latest
 * `recordedAt` stored (the analytics export's consent watermark reads it); it never goes back.
 */
export class CheckpointStore {
  constructor(
    /** Where checkpoints are read; `store` writes in the transaction it is given. */
    private readonly dataSource: CheckpointSql,
    private readonly table: CheckpointTable,
    private readonly options: { withRecordedAt?: boolean } = {},
  ) {}

  /** The next offset stored for the partition, or undefined when none is. */
  async read(ref: PartitionRef): Promise<bigint | undefined> {
    const [row] = await this.dataSource.query<Array<{ next_offset: string }>>(
      `SELECT next_offset FROM ${this.table}
       WHERE consumer_group = $1 AND topic = $2 AND kafka_partition = $3`,
      [ref.consumerGroup, ref.topic, ref.partition],
    );
    return row ? BigInt(row.next_offset) : undefined;
  }

  /** Every checkpoint of the group (of one topic, if named), topic by topic. */
  async readAll(
    consumerGroup: string,
    topic?: string,
  ): Promise<Array<StoredCheckpoint & { topic: string }>> {
    const rows = await this.dataSource.query<
      Array<{
        topic: string;
        kafka_partition: number;
        next_offset: string;
        max_recorded_at: Date | null;
      }>
    >(
      `SELECT topic, kafka_partition, next_offset,
              ${this.options.withRecordedAt ? 'max_recorded_at' : 'NULL::timestamptz AS max_recorded_at'}
       FROM ${this.table}
       WHERE consumer_group = $1 AND ($2::text IS NULL OR topic = $2)`,
      [consumerGroup, topic ?? null],
    );
    return rows.map((row) => ({
      topic: row.topic,
      partition: row.kafka_partition,
      nextOffset: BigInt(row.next_offset),
      maxRecordedAt: row.max_recorded_at ?? undefined,
    }));
  }

  /** Moves the partition's checkpoint to `nextOffset`; call it in the batch's transaction. */
  async store(
    transaction: CheckpointSql,
    ref: PartitionRef,
    nextOffset: bigint,
    maxRecordedAt?: Date,
  ): Promise<void> {
    const key = [ref.consumerGroup, ref.topic, ref.partition, nextOffset.toString()];
    if (this.options.withRecordedAt)
      await transaction.query(
        `INSERT INTO ${this.table} (consumer_group, topic, kafka_partition, next_offset, max_recorded_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE
         SET next_offset = $4,
             max_recorded_at = GREATEST(${this.table}.max_recorded_at, EXCLUDED.max_recorded_at)`,
        [...key, maxRecordedAt ?? null],
      );
    else
      await transaction.query(
        `INSERT INTO ${this.table} (consumer_group, topic, kafka_partition, next_offset) VALUES ($1, $2, $3, $4)
         ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE SET next_offset = $4`,
        key,
      );
  }
}
