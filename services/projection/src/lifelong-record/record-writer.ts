import { CareRelationshipRow, ProjectionCheckpointRow, RecordEntryRow } from '@carelog/read-model';
import type { DataSource, EntityManager } from 'typeorm';
import type { ProjectedRows } from './lifelong-record.projection';

export interface PartitionBatch {
  consumerGroup: string;
  topic: string;
  partition: number;
}

/**
 * Writes one partition batch's rows and the partition's next offset in one transaction.
 * Replays are harmless twice over: offsets below the checkpoint are skipped before we get
 * here, and rows are keyed by event id.
 */
export class RecordWriter {
  constructor(private readonly dataSource: DataSource) {}

  /** The next offset the read model needs from this partition, or undefined if none is stored. */
  async checkpoint(batch: PartitionBatch): Promise<bigint | undefined> {
    const row = await this.dataSource.getRepository(ProjectionCheckpointRow).findOneBy({
      consumerGroup: batch.consumerGroup,
      topic: batch.topic,
      partition: batch.partition,
    });
    return row ? BigInt(row.nextOffset) : undefined;
  }

  async write(batch: PartitionBatch, rows: ProjectedRows, nextOffset: bigint): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await insertIgnoringDuplicates(manager, RecordEntryRow, rows.entries);
      await insertIgnoringDuplicates(manager, CareRelationshipRow, rows.relationships);
      await manager
        .createQueryBuilder()
        .insert()
        .into(ProjectionCheckpointRow)
        .values({
          consumerGroup: batch.consumerGroup,
          topic: batch.topic,
          partition: batch.partition,
          nextOffset: nextOffset.toString(),
        })
        .orUpdate(['next_offset'], ['consumer_group', 'topic', 'kafka_partition'])
        .execute();
    });
  }
}

const CHUNK = 500;

async function insertIgnoringDuplicates<T extends object>(
  manager: EntityManager,
  target: new () => T,
  rows: T[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    await manager
      .createQueryBuilder()
      .insert()
      .into(target)
      .values(rows.slice(start, start + CHUNK))
      .orIgnore()
      .execute();
  }
}
