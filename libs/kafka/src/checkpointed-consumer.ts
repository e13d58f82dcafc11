import { validateRecordEntry, type EventCodec, type RecordEntryEvent } from '@carelog/codec';
import { DomainError } from '@carelog/domain';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { deadLetterTopic, recordEntryTopics } from './topics';

/** Where an event was read from. */
export interface LogPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface PositionedEvent {
  event: RecordEntryEvent;
  position: LogPosition;
}

/** One partition batch, decoded, without what the store already holds or what was dead-lettered. */
export interface ConsumedBatch<T = undefined> {
  topic: string;
  partition: number;
  events: Array<PositionedEvent & { prepared: T }>;
  /** The offset to store with the batch's effects: the partition's next one to read. */
  nextOffset: bigint;
  /** Messages on the partition after this batch. */
  lag: number;
}

export interface CheckpointedConsumerOptions<T = undefined> {
  consumerGroup: string;
  /** Default: every record-entry topic. */
  topics?: string[];
  /** Partition batches handled at once, each with its own `write`. Default 1. */
  partitionsInParallel?: number;
  /** The next offset the store holds for a partition, or undefined when it holds none. */
  checkpoint(topic: string, partition: number): Promise<bigint | undefined>;
  /**
   * What the consumer makes of each event before writing (pure, no I/O); a DomainError sends
   * the event to the dead-letter topic like an undecodable one.
   */
  prepare?(event: RecordEntryEvent, position: LogPosition): T;
  /** Stores the batch's effects and `nextOffset` in one transaction. */
  write(batch: ConsumedBatch<T>): Promise<void>;
  /** The stable code of the error that replaces a failed write's (which could quote row values). */
  writeFailureCode: string;
  onDeadLettered?(count: number): void;
  onWritten?(batch: ConsumedBatch<T>): void;
  logger: { warn(message: string): void };
}

interface Poison {
  message: KafkaMessage;
  code: string;
  reason: string;
}

/**
 * The one way carelog consumes record entries into a store of its own (the projection, the
 * notifications, the analytics export): each partition batch is written together with the
 * partition's next offset in one transaction of the store, and on every assignment each
 * partition starts where the store says. Kafka's committed offset is only moved after that
 * transaction, so it can lag the store, never lead it: a crash neither loses nor doubles an
 * effect. Events that can never be handled go to the group's dead-letter topic with the
 * reason and their original bytes, and the consumer carries on.
 */
export class CheckpointedConsumer<T = undefined> {
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private joined = false;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly options: CheckpointedConsumerOptions<T>,
  ) {
    // A crashed instance's partitions move to another after 10 s without its heartbeat.
    this.consumer = kafka.consumer({
      groupId: options.consumerGroup,
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
    await this.consumer.subscribe({
      topics: this.options.topics ?? recordEntryTopics(),
      fromBeginning: true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsInParallel ?? 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  private async resumeFromCheckpoints(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const next = await this.options.checkpoint(topic, partition).catch(() => undefined);
        if (next !== undefined) this.consumer.seek({ topic, partition, offset: next.toString() });
      }
    }
  }

  private decode(
    message: KafkaMessage,
    position: LogPosition,
  ): { event: RecordEntryEvent; prepared: T } | Poison {
    if (!message.value) return { message, code: 'empty-message', reason: 'message has no value' };
    try {
      const { event } = this.codec.decode(message.value);
      validateRecordEntry(event);
      const prepared = this.options.prepare
        ? this.options.prepare(event, position)
        : (undefined as T);
      return { event, prepared };
    } catch (error) {
      if (error instanceof DomainError) return { message, code: error.code, reason: error.message };
      throw error;
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const { topic, partition } = batch;
    const from = await this.options.checkpoint(topic, partition);
    const events: ConsumedBatch<T>['events'] = [];
    const poison: Array<Poison & { position: LogPosition }> = [];
    for (const message of batch.messages) {
      if (from !== undefined && BigInt(message.offset) < from) continue;
      const position = { topic, partition, offset: message.offset };
      const decoded = this.decode(message, position);
      if ('event' in decoded) events.push({ ...decoded, position });
      else poison.push({ ...decoded, position });
    }
    const nextOffset = BigInt(batch.lastOffset()) + 1n;
    if (poison.length > 0) await this.sendToDeadLetters(poison);
    const consumed: ConsumedBatch<T> = {
      topic,
      partition,
      events,
      nextOffset,
      lag: Math.max(0, Number(BigInt(batch.highWatermark) - nextOffset)),
    };
    try {
      await this.options.write(consumed);
    } catch (error) {
      // Retriable: kafkajs redelivers the batch. The error is replaced so that no log line
      // quotes the rows (a database error carries its query parameters).
      const cause = (error as { code?: string }).code ?? (error as Error).name;
      throw new DomainError(
        this.options.writeFailureCode,
        `database error ${cause}; the batch will be retried`,
      );
    }
    this.options.onWritten?.(consumed);
    payload.resolveOffset(batch.lastOffset());
    await this.consumer.commitOffsets([{ topic, partition, offset: nextOffset.toString() }]);
    await payload.heartbeat();
  }

  /** The original bytes, with why they could not be handled and where they came from. */
  private async sendToDeadLetters(
    poison: Array<Poison & { position: LogPosition }>,
  ): Promise<void> {
    await this.deadLetters.send({
      topic: deadLetterTopic(this.options.consumerGroup),
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
    this.options.onDeadLettered?.(poison.length);
    this.options.logger.warn(
      `dead-lettered ${poison.length} event(s) from ${poison[0]?.position.topic ?? ''}: ${[...new Set(poison.map((p) => p.code))].join(', ')}`,
    );
  }
}
