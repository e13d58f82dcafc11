import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { EventCodec, RecordEntryEvent } from '@carelog/codec';
import { CheckpointedConsumer, type ConsumedBatch } from '@carelog/kafka';
import { metricsRegistry } from '@carelog/nest-platform';
import type { Kafka } from 'kafkajs';
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

/** What a batch's notifications are decided on and written to. */
interface Notifier {
  reader: PatientStateReader;
  writer: NotificationWriter;
  options: NotificationConsumerOptions;
}

/** The notifications one event gives, decided against the read model as it stands now. */
async function notificationsOf(
  { reader, options }: Notifier,
  event: RecordEntryEvent,
  now: Date,
): Promise<NotificationRow[]> {
  const attention = attentionOf(event);
  const reasons: NotificationReason[] = notifiableReasons(
    { entryType: event.type, attention },
    options.notifyEntryTypes,
  );
  if (reasons.length === 0) return [];
  if (now.getTime() - event.recordedAt.getTime() > options.maxEventAgeMs) return [];
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
  const state = await reader.stateOf(nhsNumber);
  const candidates = await reader.candidates(state, attention);
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

/** The batch's notifications and the partition's next offset, in one transaction. */
async function notifyBatch(notifier: Notifier, batch: ConsumedBatch): Promise<void> {
  const now = new Date();
  const notifications: NotificationRow[] = [];
  for (const { event } of batch.events)
    notifications.push(...(await notificationsOf(notifier, event, now)));
  const created = await notifier.writer.write(
    {
      consumerGroup: notifier.options.consumerGroup,
      topic: batch.topic,
      partition: batch.partition,
    },
    notifications,
    batch.nextOffset,
  );
  if (created > 0) {
    notified.inc(created);
    notifier.options.onNotified?.();
  }
}

/**
 * Reads every record-entry topic in its own consumer group and turns each partition batch
 * into notifications, stored with the partition's checkpoint in one transaction. The same
 * pattern as the projection: on joining, each partition starts where the database says, so
 * a crash neither loses nor doubles a notification.
 */
export function notificationConsumer(
  kafka: Kafka,
  codec: EventCodec,
  reader: PatientStateReader,
  writer: NotificationWriter,
  options: NotificationConsumerOptions,
): CheckpointedConsumer {
  const notifier: Notifier = { reader, writer, options };
  return new CheckpointedConsumer(kafka, codec, {
    consumerGroup: options.consumerGroup,
    checkpoint: (topic, partition) =>
      writer.checkpoints.read({ consumerGroup: options.consumerGroup, topic, partition }),
    write: (batch) => notifyBatch(notifier, batch),
    onDeadLettered: (count) => deadLettered.inc(count),
    metrics: metricsRegistry,
    logger: new Logger('NotificationConsumer'),
  });
}
