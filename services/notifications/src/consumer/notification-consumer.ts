import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { validateRecordEntry, type EventCodec, type RecordEntryEvent } from '@carelog/codec';
import { DomainError } from '@carelog/domain';
import { deadLetterTopic, recordEntryTopics } from '@carelog/kafka';
import { metricsRegistry } from '@carelog/nest-platform';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Counter } from 'prom-client';
import type { PatientStateReader } from '../recipients/patient-state';
import {
  notifiableReasons,
  attentionOf,
  recipientsOf,
  subjectEntryOf,
  storedFactsOf,
  type NotifiableEntry,
  type NotificationReason,
} from '../recipients/recipients';
import type { NotificationRow, NotificationWriter } from './notification-writer';

const notified = new Counter({
  name: 'carelog_notifications_created_total',
  help: 'Notifications addressed to a subscriber',
  registers: [metricsRegistry],
});
const deadLettered = new Counter({
  name: 'carelog_notifications_consumer_dead_letters_total',
  help: 'Record-entry events the notifications consumer could never read, sent to its dead-letter topic',
  registers: [metricsRegistry],
});

interface Poison {
  message: KafkaMessage;
  code: string;
  reason: string;
  offset: string;
}

/** Where a notified entry is read on the record API: the entry's own id, not a correction's. */
export const entryLink = (nhsNumber: string, entryId: string): string =>
  `/v1/patients/${nhsNumber}/entries/${entryId}`;

export interface NotificationConsumerOptions {
  consumerGroup: string;
  notifyEntryTypes: ReadonlySet<string>;
  maxEventAgeMs: number;
  /** Called after a batch stored new notifications (wakes the webhook worker). */
  onNotified?: () => void;
}

/**
 * Reads every record-entry topic in its own consumer group and turns each partition batch
 * into notifications, stored with the partition's checkpoint in one transaction. The same
 * pattern as the projection: on joining, each partition starts where the database says, so
 * a crash neither loses nor doubles a notification.
 */
export class NotificationConsumer {
  private readonly logger = new Logger('NotificationConsumer');
  private readonly consumer: Consumer;
  private readonly deadLetters: Producer;
  private joined = false;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly reader: PatientStateReader,
    private readonly writer: NotificationWriter,
    private readonly options: NotificationConsumerOptions,
  ) {
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
    await this.consumer.subscribe({ topics: recordEntryTopics(), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.notifyBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  private async resumeFromCheckpoints(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const next = await this.writer
          .checkpoint({ consumerGroup: this.options.consumerGroup, topic, partition })
          .catch(() => undefined);
        if (next !== undefined) this.consumer.seek({ topic, partition, offset: next.toString() });
      }
    }
  }

  private decode(message: KafkaMessage): { event: RecordEntryEvent } | Omit<Poison, 'offset'> {
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

  /** The notifications one event gives, decided against the read model as it stands now. */
  private async notificationsOf(event: RecordEntryEvent, now: Date): Promise<NotificationRow[]> {
    const attention = attentionOf(event);
    const reasons: NotificationReason[] = notifiableReasons(
      { entryType: event.type, attention },
      this.options.notifyEntryTypes,
    );
    if (reasons.length === 0) return [];
    if (now.getTime() - event.recordedAt.getTime() > this.options.maxEventAgeMs) return [];
    const nhsNumber = event.patient.nhsNumber;
    const entry: NotifiableEntry = {
      eventId: event.eventId,
      entryId: subjectEntryOf(event),
      nhsNumber,
      entryType: event.type,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      sensitivity: event.sensitivity,
      attention,
      payload: event.payload,
      source: event.source,
    };
    const state = await this.reader.stateOf(nhsNumber);
    const candidates = await this.reader.candidates(state, attention);
    return recipientsOf(entry, reasons, candidates, state, now).map(({ subscriber, reason }) => ({
      id: randomUUID(),
      eventId: event.eventId,
      userId: subscriber.userId,
      role: subscriber.role,
      organisation: subscriber.organisation,
      nhsNumber,
      entryType: event.type,
      occurredAt: event.occurredAt,
      reason,
      link: entryLink(nhsNumber, entry.entryId),
      facts: storedFactsOf(entry),
    }));
  }

  private async notifyBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const partitionBatch = {
      consumerGroup: this.options.consumerGroup,
      topic: batch.topic,
      partition: batch.partition,
    };
    const from = await this.writer.checkpoint(partitionBatch);
    const now = new Date();
    const notifications: NotificationRow[] = [];
    const poison: Poison[] = [];
    try {
      for (const message of batch.messages) {
        if (from !== undefined && BigInt(message.offset) < from) continue;
        const decoded = this.decode(message);
        if ('event' in decoded)
          notifications.push(...(await this.notificationsOf(decoded.event, now)));
        else poison.push({ ...decoded, offset: message.offset });
      }
    } catch (error) {
      throw this.retriable(error);
    }
    if (poison.length > 0) await this.sendToDeadLetters(batch.topic, batch.partition, poison);
    const nextOffset = BigInt(batch.lastOffset()) + 1n;
    let created: number;
    try {
      created = await this.writer.write(partitionBatch, notifications, nextOffset);
    } catch (error) {
      throw this.retriable(error);
    }
    if (created > 0) {
      notified.inc(created);
      this.options.onNotified?.();
    }
    payload.resolveOffset(batch.lastOffset());
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: nextOffset.toString() },
    ]);
    await payload.heartbeat();
  }

  /** kafkajs redelivers the batch; the error is replaced so that no log line quotes row values. */
  private retriable(error: unknown): DomainError {
    const cause = (error as { code?: string }).code ?? (error as Error).name;
    return new DomainError(
      'notification-write-failed',
      `database error ${cause}; the batch will be retried`,
    );
  }

  private async sendToDeadLetters(
    topic: string,
    partition: number,
    poison: Poison[],
  ): Promise<void> {
    await this.deadLetters.send({
      topic: deadLetterTopic(this.options.consumerGroup),
      acks: -1,
      messages: poison.map(({ message, code, reason, offset }) => ({
        key: message.key,
        value: message.value,
        headers: {
          'carelog-dlq-code': code,
          'carelog-dlq-reason': reason,
          'carelog-source-topic': topic,
          'carelog-source-partition': String(partition),
          'carelog-source-offset': offset,
        },
      })),
    });
    deadLettered.inc(poison.length);
    this.logger.warn(
      `dead-lettered ${poison.length} event(s) from ${topic}: ${[...new Set(poison.map((p) => p.code))].join(', ')}`,
    );
  }
}
