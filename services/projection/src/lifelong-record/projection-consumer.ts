import { Logger } from '@nestjs/common';
import type { EventCodec } from '@carelog/codec';
import { CheckpointedConsumer, lagInto } from '@carelog/kafka';
import { metricsRegistry } from '@carelog/nest-platform';
import type { Kafka } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import { maternityDischargeGraceHours, planEvents } from './lifelong-record.projection';
import type { RecordWriter } from './record-writer';

const projected = new Counter({
  name: 'carelog_projection_events_total',
  help: 'Record-entry events written to the read model',
  registers: [metricsRegistry],
});
const lag = new Gauge({
  name: 'carelog_projection_consumer_lag',
  help: 'Messages on the log not yet in the read model, for every topic-partition (same as carelog_consumer_lag of the serving group)',
  labelNames: ['topic', 'partition'],
  registers: [metricsRegistry],
});
const deadLettered = new Counter({
  name: 'carelog_projection_dead_letters_total',
  help: 'Events that could never be projected, sent to the dead-letter topic',
  registers: [metricsRegistry],
});

/**
 * Partition batches projected at once, each in its own transaction on its own connection.
 * One at a time left Postgres idle while this process decoded, and this process idle while
 * Postgres wrote (bench: 3,600 events/s); partitions are independent (a patient's events and
 * their corrections share a partition), as they already are across instances.
 */
export const PARTITIONS_IN_PARALLEL = 3;

/**
 * Reads every record-entry topic in one consumer group and projects each partition batch in
 * one database transaction with its offsets (the checkpointed consumer of libs/kafka).
 */
export function projectionConsumer(
  kafka: Kafka,
  codec: EventCodec,
  writer: RecordWriter,
  consumerGroup: string,
): CheckpointedConsumer {
  // Read and checked once, at start: a bad setting stops the projection before it writes.
  const graceHours = maternityDischargeGraceHours();
  const partitionBatch = (topic: string, partition: number) => ({
    consumerGroup,
    topic,
    partition,
  });
  return new CheckpointedConsumer(kafka, codec, {
    consumerGroup,
    partitionsInParallel: PARTITIONS_IN_PARALLEL,
    checkpoint: (topic, partition) => writer.checkpoints.read(partitionBatch(topic, partition)),
    write: (batch) =>
      writer.write(
        partitionBatch(batch.topic, batch.partition),
        planEvents(batch.events, graceHours),
        batch.nextOffset,
      ),
    onWritten: (batch) => projected.inc(batch.events.length),
    onLag: lagInto(lag),
    onDeadLettered: (count) => deadLettered.inc(count),
    metrics: metricsRegistry,
    logger: new Logger('ProjectionConsumer'),
  });
}
