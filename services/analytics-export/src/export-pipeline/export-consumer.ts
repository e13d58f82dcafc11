import { Logger } from '@nestjs/common';
import {
  validateRecordEntry,
  type AnalyticsCodec,
  type EventCodec,
  type RecordEntryEvent,
} from '@carelog/codec';
import { DomainError, type SourceDomain } from '@carelog/domain';
import { deadLetterTopic, domainOfTopic, recordEntryTopics } from '@carelog/kafka';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { toAnalyticsCandidate, type FeedSettings } from '../pseudonymised-entry/analytics-entry';
import { isAnalyticsOptOutType } from '../pseudonymised-entry/export-decision';
import { consumerLag, deadLetters, excludedEntries } from './export-metrics';
import type { ExportStore, OptOutChange, StagedEntry } from './export-store';

interface Poison {
  message: KafkaMessage;
  code: string;
  reason: string;
}

/** The opt-out change an event makes, if it is one the feed must honour. */
function optOutChange(event: RecordEntryEvent, settings: FeedSettings): OptOutChange | undefined {
  if (event.type !== 'OptOutRecorded' && event.type !== 'OptOutWithdrawn') return undefined;
  const { optOutType } = event.payload;
  if (!isAnalyticsOptOutType(optOutType)) return undefined;
  return {
    patientPseudonym: settings.key.patient(event.patient.nhsNumber),
    optOutType,
    // A recorded opt-out counts at once, even before the source says it is effective: the
    // safe side is to leave data out early, never to let it through late.
    active: event.type === 'OptOutRecorded',
    changedAt: event.recordedAt,
  };
}

/**
 * Reads every record-entry topic in one consumer group. Each partition batch is written in
 * one Postgres transaction with its checkpoint: entries staged (already pseudonymised, not
 * yet decided) and opt-out changes applied. Kafka's committed offset only follows.
 */
export class ExportConsumer {
  private readonly logger = new Logger('ExportConsumer');
  private readonly consumer: Consumer;
  private readonly deadLetterProducer: Producer;
  private joined = false;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly analyticsCodec: AnalyticsCodec,
    private readonly store: ExportStore,
    private readonly settings: FeedSettings,
    readonly consumerGroup: string,
  ) {
    this.consumer = kafka.consumer({
      groupId: consumerGroup,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    this.deadLetterProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
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
    await this.deadLetterProducer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: recordEntryTopics(), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetterProducer.disconnect();
  }

  /** Each assigned partition starts where the store's checkpoint says, whatever Kafka's says. */
  private async resumeFromCheckpoints(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const next = await this.store
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

  /** Shapes one entry for the feed; a reason to leave it out is counted, not staged. */
  private stage(event: RecordEntryEvent, setting: SourceDomain): StagedEntry | undefined {
    const schema = this.codec.catalogue.current(event.type);
    if (!schema) return undefined;
    const shaped = toAnalyticsCandidate({ event, setting, schema }, this.settings);
    if ('excluded' in shaped) {
      excludedEntries.inc({ reason: shaped.excluded });
      return undefined;
    }
    const { entry, clinicalDay } = shaped.candidate;
    return {
      analyticsId: entry.analyticsId,
      patientPseudonym: entry.patientPseudonym,
      setting,
      organisation: entry.organisation,
      clinicalDay,
      recordedAt: event.recordedAt,
      message: this.analyticsCodec.encode('AnalyticsRecordEntry', entry),
    };
  }

  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const setting = domainOfTopic(batch.topic);
    if (!setting) return;
    const partition = {
      consumerGroup: this.consumerGroup,
      topic: batch.topic,
      partition: batch.partition,
    };
    const from = await this.store.checkpoint(partition);
    const staged: StagedEntry[] = [];
    const optOutChanges: OptOutChange[] = [];
    const poison: Poison[] = [];
    let maxRecordedAt: Date | undefined;
    for (const message of batch.messages) {
      if (from !== undefined && BigInt(message.offset) < from) continue;
      const decoded = this.decode(message);
      if (!('event' in decoded)) {
        poison.push(decoded);
        continue;
      }
      const { event } = decoded;
      if (!maxRecordedAt || event.recordedAt > maxRecordedAt) maxRecordedAt = event.recordedAt;
      const change = optOutChange(event, this.settings);
      if (change) optOutChanges.push(change);
      try {
        const entry = this.stage(event, setting);
        if (entry) staged.push(entry);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        poison.push({ message, code: error.code, reason: error.message });
      }
    }
    const nextOffset = BigInt(batch.lastOffset()) + 1n;
    if (poison.length > 0) await this.sendToDeadLetters(batch.topic, batch.partition, poison);
    try {
      await this.store.writeBatch({ partition, staged, optOutChanges, nextOffset, maxRecordedAt });
    } catch (error) {
      // Retriable: kafkajs redelivers the batch. Replaced so no log line quotes the rows.
      const cause = (error as { code?: string }).code ?? (error as Error).name;
      throw new DomainError(
        'export-store-write-failed',
        `database error ${cause}; the batch will be retried`,
      );
    }
    consumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(batch.highWatermark) - nextOffset)),
    );
    payload.resolveOffset(batch.lastOffset());
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: nextOffset.toString() },
    ]);
    await payload.heartbeat();
  }

  /** The original bytes, with why they could not be read and where they came from. */
  private async sendToDeadLetters(
    topic: string,
    partition: number,
    poison: Poison[],
  ): Promise<void> {
    await this.deadLetterProducer.send({
      topic: deadLetterTopic(this.consumerGroup),
      acks: -1,
      messages: poison.map(({ message, code, reason }) => ({
        key: message.key,
        value: message.value,
        headers: {
          'carelog-dlq-code': code,
          'carelog-dlq-reason': reason,
          'carelog-source-topic': topic,
          'carelog-source-partition': String(partition),
          'carelog-source-offset': message.offset,
        },
      })),
    });
    deadLetters.inc(poison.length);
    this.logger.warn(
      `dead-lettered ${poison.length} event(s) from ${topic}: ${[...new Set(poison.map((p) => p.code))].join(', ')}`,
    );
  }
}
