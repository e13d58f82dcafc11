import {
  confluentSchemaId,
  validateRecordEntry,
  type EventCodec,
  type RecordEntryEvent,
} from '@carelog/codec';
import { DomainError } from '@carelog/domain';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  ConsumerLagMonitor,
  consumerMetrics,
  type ConsumerMetrics,
  type PartitionLag,
} from './consumer-lag';
import { deadLetter, headerText, sourceOf } from './dead-letters';
import {
  classifyFailure,
  MAX_TRANSIENT_ATTEMPTS,
  retriesExhausted,
  retryDelayMs,
  type ClassifiedFailure,
} from './failure-policy';
import { ENTRY_TYPE_HEADER, SCHEMA_FINGERPRINT_HEADER } from './publisher';
import { schemaRegistryFromEnv, type SchemaRegistryClient } from './schema-registry';
import { checkStorable } from './storable-event';
import { contextFromHeaders, SpanKind, SpanStatusCode, startSpan } from './tracing';
import {
  consumerGroupTopics,
  deadLetterTopic,
  ensureTopics,
  recordEntryTopics,
  redriveTopic,
} from './topics';

/** Where an event was read from. */
export interface LogPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface PositionedEvent {
  event: RecordEntryEvent;
  /** Where the event was first written (for a re-driven event, not the re-drive topic). */
  position: LogPosition;
}

/** Part of one partition batch, decoded, without what the store already holds or what was dead-lettered. */
export interface ConsumedBatch<T = undefined> {
  /** The partition read (a re-drive topic for re-driven events): the checkpoint's key. */
  topic: string;
  partition: number;
  events: Array<PositionedEvent & { prepared: T }>;
  /** The offset to store with the batch's effects: the partition's next one to read. */
  nextOffset: bigint;
}

export interface CheckpointedConsumerOptions<T = undefined> {
  consumerGroup: string;
  /** Default: every record-entry topic. The group's re-drive topic is always read too. */
  topics?: string[];
  /** Partition batches handled at once, each with its own `write`. Default 1. */
  partitionsInParallel?: number;
  /** The next offset the store holds for a partition, or undefined when it holds none. */
  checkpoint(topic: string, partition: number): Promise<bigint | undefined>;
  /**
   * What the consumer makes of each event before writing (pure, no I/O); any error sends the
   * event to the dead-letter topic like an undecodable one.
   */
  prepare?(event: RecordEntryEvent, position: LogPosition): T;
  /** Stores the batch's effects and `nextOffset` in one transaction. */
  write(batch: ConsumedBatch<T>): Promise<void>;
  onWritten?(batch: ConsumedBatch<T>): void;
  onDeadLettered?(count: number): void;
  /** Every partition's lag, each time it is read (at a metrics scrape, or refreshLag). */
  onLag?(partitions: readonly PartitionLag[]): void;
  /** Where the lag, stall, dead-letter and retry series go (`carelog_consumer_*`). */
  metrics?: Registry;
  logger: { warn(message: string): void; error(message: string): void };
}

/** How often a batch that is still being handled tells the group coordinator it is alive. */
export const BATCH_HEARTBEAT_MS = 1000;

type Item<T> = {
  message: KafkaMessage;
  readAt: LogPosition;
  source: LogPosition;
} & ({ event: RecordEntryEvent; prepared: T } | { failure: ClassifiedFailure });

type Decoded<T> = Extract<Item<T>, { event: RecordEntryEvent }>;

/** The batch was given up because the consumer is stopping or the group is rebalancing. */
class BatchAbandoned extends Error {
  constructor(readonly lostMembership?: Error) {
    super('batch abandoned');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one way carelog consumes record entries into a store of its own (the projection, the
 * notifications, the analytics export): each partition batch is written together with the
 * partition's next offset in one transaction of the store, and on every assignment each
 * partition starts where the store says. Kafka's committed offset is only moved after that
 * transaction, so it can lag the store, never lead it: a crash neither loses nor doubles an
 * effect.
 *
 * Failures follow the failure policy (failure-policy.ts). A message that can never be handled
 * goes to the group's dead-letter topic with the reason, its original bytes and headers, and
 * the consumer carries on. When a batch write fails for good, the batch is written again one
 * message at a time, so that only the message at fault is dead-lettered and its neighbours
 * are stored. Lag and stall are read when the metrics are scraped (ConsumerLagMonitor).
 */
export class CheckpointedConsumer<T = undefined> {
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private readonly monitor: ConsumerLagMonitor;
  private readonly metrics: ConsumerMetrics | undefined;
  private readonly registry: SchemaRegistryClient | undefined;
  private running = false;

  constructor(
    private readonly kafka: Kafka,
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
    this.metrics = options.metrics ? consumerMetrics(options.metrics) : undefined;
    this.registry = schemaRegistryFromEnv(codec);
    this.monitor = new ConsumerLagMonitor(kafka, {
      consumerGroup: options.consumerGroup,
      topics: () => this.topics,
      checkpoint: (topic, partition) => options.checkpoint(topic, partition),
      metrics: this.metrics,
      onRefresh: (partitions) => options.onLag?.(partitions),
      logger: options.logger,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      void this.resumeFromCheckpoints(event.payload.memberAssignment);
    });
    // kafkajs restarts a consumer after a retriable crash; only one it gives up on is not running.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.running = false;
    });
  }

  /** The consumer is running (rejoining after a rebalance included): readiness does not follow lag. */
  get isJoined(): boolean {
    return this.running;
  }

  /** Every partition's lag as last read. */
  get lag(): readonly PartitionLag[] {
    return this.monitor.partitions;
  }

  /** Reads every partition's lag now. */
  refreshLag(): Promise<void> {
    return this.monitor.refresh();
  }

  private get topics(): string[] {
    return [
      ...(this.options.topics ?? recordEntryTopics()),
      redriveTopic(this.options.consumerGroup),
    ];
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, consumerGroupTopics(this.options.consumerGroup));
    } finally {
      await admin.disconnect();
    }
    await this.deadLetters.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsInParallel ?? 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.running = true;
    await this.monitor.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.monitor.stop();
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

  /** Decoding and preparing are pure: whatever fails there fails every time, so it is permanent. */
  private decode(message: KafkaMessage, readAt: LogPosition): Item<T> {
    // Only a re-driven message may say where it came from; any other is where it was read.
    const source =
      readAt.topic === redriveTopic(this.options.consumerGroup)
        ? sourceOf(message, readAt)
        : readAt;
    const base = { message, readAt, source };
    if (!message.value)
      return {
        ...base,
        failure: { kind: 'permanent', code: 'empty-message', reason: 'message has no value' },
      };
    try {
      const { event, writer } = this.codec.decode(message.value, {
        fingerprint: headerText(message.headers, SCHEMA_FINGERPRINT_HEADER),
      });
      const declared = headerText(message.headers, ENTRY_TYPE_HEADER);
      if (declared !== undefined && declared !== writer.type)
        throw new DomainError(
          'entry-type-mismatch',
          `the ${ENTRY_TYPE_HEADER} header names another type than the schema fingerprint (${writer.type})`,
        );
      validateRecordEntry(event);
      checkStorable(event);
      const prepared = this.options.prepare
        ? this.options.prepare(event, source)
        : (undefined as T);
      return { ...base, event, prepared };
    } catch (error) {
      return { ...base, failure: { ...classifyFailure(error), kind: 'permanent' } };
    }
  }

  /**
   * Confluent-framed messages that name their writer by schema id alone (written by another
   * tool, without the fingerprint header): their ids are looked up in the registry, if one is
   * set, before decoding. An id the registry cannot answer for leaves the message undecodable,
   * and so dead-lettered, to be re-driven once the registry knows it.
   */
  private async learnSchemaIds(messages: readonly KafkaMessage[]): Promise<void> {
    if (!this.registry) return;
    const unknown = new Set<number>();
    for (const message of messages) {
      const id = message.value ? confluentSchemaId(message.value) : undefined;
      if (
        id !== undefined &&
        !this.codec.knowsSchemaId(id) &&
        headerText(message.headers, SCHEMA_FINGERPRINT_HEADER) === undefined
      )
        unknown.add(id);
    }
    for (const id of unknown)
      await this.registry.learn(id).catch((error: unknown) => {
        this.options.logger.warn(`schema id ${id}: ${(error as Error).message}`);
      });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const { topic, partition } = batch;
    let lostMembership: Error | undefined;
    const live = () => {
      if (lostMembership !== undefined || !payload.isRunning() || payload.isStale())
        throw new BatchAbandoned(lostMembership);
    };
    // A write can wait on the store for longer than the session time-out: stay in the group.
    const keepAlive = setInterval(() => {
      payload
        .heartbeat()
        .catch(
          (error: unknown) => (lostMembership ??= error instanceof Error ? error : new Error()),
        );
    }, BATCH_HEARTBEAT_MS);
    try {
      const stored = await this.untilDone(() => this.options.checkpoint(topic, partition), live);
      const from = this.checkpointWithin(topic, partition, stored, BigInt(batch.highWatermark));
      await this.learnSchemaIds(batch.messages);
      const items = batch.messages
        .filter((message) => from === undefined || BigInt(message.offset) >= from)
        .map((message) => this.decode(message, { topic, partition, offset: message.offset }));
      const nextOffset = BigInt(batch.lastOffset()) + 1n;
      if (items.length > 0) {
        // One span per message, in the trace its producer started (the traceparent header).
        const spans = items.map((item) =>
          startSpan(
            `${this.options.consumerGroup} process`,
            {
              kind: SpanKind.CONSUMER,
              attributes: {
                'messaging.system': 'kafka',
                'messaging.destination.name': topic,
                'messaging.destination.partition.id': String(partition),
                'messaging.kafka.offset': Number(item.readAt.offset),
                'messaging.consumer.group.name': this.options.consumerGroup,
                ...('event' in item
                  ? {
                      'carelog.entry_type': item.event.type,
                      'carelog.event_id': item.event.eventId,
                    }
                  : {}),
              },
            },
            contextFromHeaders(item.message.headers),
          ),
        );
        try {
          await this.settle(topic, partition, items, nextOffset, live);
        } finally {
          items.forEach((item, i) => {
            if ('failure' in item)
              spans[i]?.setStatus({ code: SpanStatusCode.ERROR, message: item.failure.code });
            spans[i]?.end();
          });
        }
      }
      payload.resolveOffset(batch.lastOffset());
      // The store holds the checkpoint; Kafka's copy only follows it, so a failure here is harmless.
      await this.consumer
        .commitOffsets([{ topic, partition, offset: nextOffset.toString() }])
        .catch((error: unknown) =>
          this.options.logger.warn(`offset commit failed: ${(error as Error).name}`),
        );
      await payload.heartbeat();
    } catch (error) {
      if (!(error instanceof BatchAbandoned)) throw error;
      // Stopping: nothing to do. Rebalancing: kafkajs rejoins on the error and reads the batch
      // again from the store's checkpoint.
      if (error.lostMembership !== undefined) throw error.lostMembership;
    } finally {
      clearInterval(keepAlive);
    }
  }

  /**
   * The stored checkpoint, unless it lies beyond the end of the log the batch came from. A
   * consumer only ever reads (and so checkpoints) below a partition's high watermark, and an
   * acknowledged write is never lost, so a checkpoint past the end means the topic was deleted
   * and created again, or replaced by an empty cluster (issue #18, R5): its new entries start
   * again at offset 0. Filtering them against the old checkpoint would drop every entry up to
   * it without a trace; they are read from the start instead (each write is idempotent by its
   * event id), the checkpoint moves back with them, and the operator is told.
   */
  private checkpointWithin(
    topic: string,
    partition: number,
    stored: bigint | undefined,
    highWatermark: bigint,
  ): bigint | undefined {
    if (stored === undefined || stored <= highWatermark) return stored;
    this.options.logger.error(
      `checkpoint ${stored} of ${topic}/${partition} is beyond the end of its log (${highWatermark}): the topic was re-created or its cluster replaced; reading it from the start. Entries that were only in the old log are in the read model but no longer in Kafka: restore them from a backup of the topic.`,
    );
    this.metrics?.logResets.inc({
      consumer_group: this.options.consumerGroup,
      topic,
      partition: String(partition),
    });
    return undefined;
  }

  /** Stores the batch's events, dead-lettering exactly those that can never be stored. */
  private async settle(
    topic: string,
    partition: number,
    items: Item<T>[],
    nextOffset: bigint,
    live: () => void,
  ): Promise<void> {
    const head = items[0];
    if (head) this.noteHead(head);
    const poison = items.filter((item) => 'failure' in item);
    if (poison.length > 0) await this.sendToDeadLetters(poison, live);
    const events = items.filter((item): item is Decoded<T> => 'event' in item);
    const positioned = (decoded: Decoded<T>[]) =>
      decoded.map(({ event, prepared, source }) => ({ event, prepared, position: source }));
    const failure = await this.tryWrite(
      { topic, partition, events: positioned(events), nextOffset },
      live,
    );
    if (!failure) return;
    if (events.length > 1) {
      // Which message is at fault is not known: write them one at a time.
      for (const event of events) {
        this.noteHead(event);
        const next = BigInt(event.readAt.offset) + 1n;
        const own = await this.tryWrite(
          { topic, partition, events: positioned([event]), nextOffset: next },
          live,
        );
        if (own) await this.skip(topic, partition, { ...event, failure: own }, next, live);
      }
    } else if (events[0]) {
      await this.skip(topic, partition, { ...events[0], failure }, nextOffset, live);
    }
    await this.storeCheckpoint(topic, partition, nextOffset, live);
  }

  /** Dead-letters one message and moves the checkpoint past it. */
  private async skip(
    topic: string,
    partition: number,
    item: Item<T> & { failure: ClassifiedFailure },
    next: bigint,
    live: () => void,
  ): Promise<void> {
    await this.sendToDeadLetters([item], live);
    await this.storeCheckpoint(topic, partition, next, live);
  }

  private async storeCheckpoint(
    topic: string,
    partition: number,
    nextOffset: bigint,
    live: () => void,
  ): Promise<void> {
    const stored = await this.untilDone(() => this.options.checkpoint(topic, partition), live);
    if (stored !== undefined && stored >= nextOffset) return;
    const failure = await this.tryWrite({ topic, partition, events: [], nextOffset }, live);
    // A write of nothing but the checkpoint cannot be refused for its data.
    if (failure) throw new DomainError(failure.code, failure.reason);
  }

  /**
   * Writes with retries: undefined once written, or the failure that means the events can never
   * be written (permanent, or transient MAX_TRANSIENT_ATTEMPTS times).
   */
  private async tryWrite(
    batch: ConsumedBatch<T>,
    live: () => void,
  ): Promise<ClassifiedFailure | undefined> {
    let transient = 0;
    for (let attempt = 1; ; attempt++) {
      live();
      try {
        await this.options.write(batch);
        this.options.onWritten?.(batch);
        return undefined;
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === 'permanent') return failure;
        if (failure.kind === 'transient' && ++transient >= MAX_TRANSIENT_ATTEMPTS)
          return retriesExhausted(failure);
        this.retried(failure, batch.topic, attempt);
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  /** Runs `work` until it succeeds, waiting on what the failure policy calls unavailable or transient. */
  private async untilDone<R>(work: () => Promise<R>, live: () => void): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      live();
      try {
        return await work();
      } catch (error) {
        const failure = classifyFailure(error);
        this.retried(failure, 'checkpoint', attempt);
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  private retried(failure: ClassifiedFailure, what: string, attempt: number): void {
    this.metrics?.retries.inc({ consumer_group: this.options.consumerGroup, kind: failure.kind });
    // Only the first few retries and then every tenth: a long outage is one line a minute or so.
    if (attempt <= 3 || attempt % 10 === 0)
      this.options.logger.warn(
        `${what}: ${failure.kind} failure ${failure.code} (attempt ${attempt}); retrying in ${retryDelayMs(attempt)} ms`,
      );
  }

  private noteHead(item: Item<T>): void {
    this.monitor.noteUnprocessed(
      item.readAt.topic,
      item.readAt.partition,
      item.readAt.offset,
      item.message.timestamp,
    );
  }

  /** The original bytes, with why they could not be handled and where they came from. */
  private async sendToDeadLetters(
    items: Array<Item<T> & { failure: ClassifiedFailure }>,
    live: () => void,
  ): Promise<void> {
    const consumerGroup = this.options.consumerGroup;
    const messages = items.map((item) =>
      deadLetter(item.message, item.failure, {
        consumerGroup,
        source: item.source,
        ...('event' in item ? { eventId: (item as Decoded<T>).event.eventId } : {}),
      }),
    );
    await this.untilDone(
      () => this.deadLetters.send({ topic: deadLetterTopic(consumerGroup), acks: -1, messages }),
      live,
    );
    this.options.onDeadLettered?.(items.length);
    for (const item of items)
      this.metrics?.deadLetters.inc({ consumer_group: consumerGroup, code: item.failure.code });
    this.options.logger.warn(
      `dead-lettered ${items.length} message(s) from ${items[0]?.readAt.topic ?? ''}: ${[...new Set(items.map((item) => item.failure.code))].join(', ')}`,
    );
  }
}
