import { Logger } from '@nestjs/common';
import { validateRecordEntry, type EventCodec, type RecordEntryEvent } from '@carelog/codec';
import { DomainError } from '@carelog/domain';
import { deadLetterTopic, recordEntryTopics } from '@carelog/kafka';
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '@carelog/nest-platform';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { planEvents, type LogPosition, type PositionedEvent } from './lifelong-record.projection';
import type { RecordWriter } from './record-writer';

const projected = new Counter({
  name: 'carelog_projection_events_total',
  help: 'Record-entry events written to the read model',
  registers: [metricsRegistry],
});
const lag = new Gauge({
  name: 'carelog_projection_consumer_lag',
  help: 'Messages on the log not yet in the read model, per topic-partition, as of its last batch',
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

interface Poison {
  message: KafkaMessage;
  code: string;
  reason: string;
}

/**
 * Reads every record-entry topic in one consumer group and projects each partition batch in
 * one database transaction with its offsets. Kafka's committed offset is only ever moved
 * after that transaction commits, so it can lag the read model but never lead it.
 */
export class ProjectionConsumer {
  private readonly logger = new Logger('ProjectionConsumer');
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private joined = false;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly writer: RecordWriter,
    readonly consumerGroup: string,
  ) {
    // A crashed instance's partitions move to another after 10 s without its heartbeat.
    this.consumer = kafka.consumer({
      groupId: consumerGroup,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    this.deadLetters = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      void this.resumeFromCheckpoints(event.payload.memberAssignment);
    });
    this.consumer.on(this.consumer.events.CRASH, () => (this.joined = false));
  }

  get isJoined(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    await this.deadLetters.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: recordEntryTopics(), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
      eachBatch: (payload) => this.projectBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  /**
   * On every assignment, start each partition where the read model's own checkpoint says,
   * whatever Kafka's committed offset is (it may lag the read model, never lead it).
   */
  private async resumeFromCheckpoints(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const next = await this.writer
          .checkpoint({ consumerGroup: this.consumerGroup, topic, partition })
          .catch(() => undefined);
        if (next !== undefined) this.consumer.seek({ topic, partition, offset: next.toString() });
      }
    }
  }

  private decode(message: KafkaMessage): { event: RecordEntryEvent } | Poison {
    if (!message.value) return { message, code: 'empty-message', reason: 'message has no value' };
    try {
      const { event } = this.codec.decode(message.value);
      validateRecordEntry(event);
      return { event };
    } catch (error) {
      if (error instanceof DomainError) return { message, code: error.code, reason: error.message };
      throw error;
    }
  }

  private async projectBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const partitionBatch = {
      consumerGroup: this.consumerGroup,
      topic: batch.topic,
      partition: batch.partition,
    };
    const from = await this.writer.checkpoint(partitionBatch);
    const good: PositionedEvent[] = [];
    const poison: Array<Poison & { position: LogPosition }> = [];
    for (const message of batch.messages) {
      if (from !== undefined && BigInt(message.offset) < from) continue;
      const position = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const decoded = this.decode(message);
      if ('event' in decoded) good.push({ event: decoded.event, position });
      else poison.push({ ...decoded, position });
    }
    const nextOffset = BigInt(batch.lastOffset()) + 1n;
    if (poison.length > 0) await this.sendToDeadLetters(poison);
    try {
      await this.writer.write(partitionBatch, planEvents(good), nextOffset);
    } catch (error) {
      // Retriable: kafkajs redelivers the batch. The error is replaced so that no log line
      // quotes the rows (a database error carries its query parameters).
      const cause = (error as { code?: string }).code ?? (error as Error).name;
      throw new DomainError(
        'read-model-write-failed',
        `database error ${cause}; the batch will be retried`,
      );
    }
    projected.inc(good.length);
    lag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(batch.highWatermark) - nextOffset)),
    );
    payload.resolveOffset(batch.lastOffset());
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: nextOffset.toString() },
    ]);
    await payload.heartbeat();
  }

  /** The original bytes, with why they could not be projected and where they came from. */
  private async sendToDeadLetters(
    poison: Array<Poison & { position: LogPosition }>,
  ): Promise<void> {
    await this.deadLetters.send({
      topic: deadLetterTopic(this.consumerGroup),
      acks: -1,
      messages: poison.map(({ message, code, reason, position }) => ({
        key: message.key,
        value: message.value,
        headers: {
          'carelog-dlq-code': code,
          'carelog-dlq-reason': reason,
          'carelog-source-topic': position.topic,
          'carelog-source-partition': String(position.partition),
          'carelog-source-offset': position.offset,
        },
      })),
    });
    deadLettered.inc(poison.length);
    this.logger.warn(
      `dead-lettered ${poison.length} event(s) from ${poison[0]?.position.topic ?? ''}: ${[...new Set(poison.map((p) => p.code))].join(', ')}`,
    );
  }
}
