import type { EventCodec } from '@carelog/codec';
import { deadLetterTopic, ensureTopics, recordEntryTopics, recordTopicSpec } from '@carelog/kafka';
import {
  READ_MODEL_TABLES,
  readModelDataSource,
  type ReadModelVersion,
  type ReadModelVersions,
} from '@carelog/read-model';
import type { Kafka } from 'kafkajs';
import { projectionConsumer } from '../lifelong-record/projection-consumer';
import { RecordWriter } from '../lifelong-record/record-writer';

export interface RebuildProgress {
  done: number;
  total: number;
  /** Events per second since the rebuild started. */
  rate: number;
  /** Seconds left at that rate, or undefined before the first batch. */
  etaSeconds: number | undefined;
}

export interface RebuildOptions {
  kafka: Kafka;
  codec: EventCodec;
  versions: ReadModelVersions;
  /** Switch the serving views over when done (the npm command does; a comparison test may not). */
  switchOver: boolean;
  onProgress?: (progress: RebuildProgress) => void;
  pollMs?: number;
}

/** The end of every record-entry partition now: the rebuild is done when it has read this far. */
async function logEnd(kafka: Kafka): Promise<Map<string, { low: bigint; high: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of recordEntryTopics()) {
      for (const entry of await admin.fetchTopicOffsets(topic)) {
        ends.set(`${topic}:${entry.partition}`, {
          low: BigInt(entry.low),
          high: BigInt(entry.high),
        });
      }
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Builds a new read-model version from offset 0 into a fresh schema, with its own consumer
 * group, while the serving version goes on serving; then (optionally) switches the serving
 * views over. The running projection service follows the switch and carries on with the new
 * group from where the rebuild stopped.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<ReadModelVersion> {
  const version = await options.versions.prepareNext();
  const dataSource = readModelDataSource({
    schema: version.schema,
    applicationName: 'carelog-projection-rebuild',
  });
  await dataSource.initialize();
  const admin = options.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [recordTopicSpec(deadLetterTopic(version.consumerGroup), 1)]).finally(
    () => admin.disconnect(),
  );
  const ends = await logEnd(options.kafka);
  const total = [...ends.values()].reduce((sum, end) => sum + Number(end.high - end.low), 0);
  const writer = new RecordWriter(dataSource);
  const consumer = projectionConsumer(options.kafka, options.codec, writer, version.consumerGroup);
  const started = Date.now();
  try {
    await consumer.start();
    for (;;) {
      const checkpoints = await writer.checkpoints.readAll(version.consumerGroup);
      const reached = new Map(
        checkpoints.map((row) => [`${row.topic}:${row.partition}`, row.nextOffset]),
      );
      let done = 0;
      let finished = true;
      for (const [key, end] of ends) {
        const next = reached.get(key) ?? end.low;
        done += Number((next < end.high ? next : end.high) - end.low);
        if (next < end.high) finished = false;
      }
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      options.onProgress?.({
        done,
        total,
        rate,
        etaSeconds: rate > 0 ? (total - done) / rate : undefined,
      });
      if (finished) break;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
    // Fresh tables have no planner statistics until autovacuum gets to them: without these,
    // the first reads after the switch plan a patient's record as if it had three rows.
    for (const table of READ_MODEL_TABLES)
      await dataSource.query(`ANALYZE "${version.schema}"."${table}"`);
  } finally {
    await consumer.stop();
    await dataSource.destroy();
  }
  if (options.switchOver) await options.versions.switchTo(version);
  return version;
}
