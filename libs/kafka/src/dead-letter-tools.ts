import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS, headerText } from './dead-letters';
import { ENTRY_TYPE_HEADER } from './publisher';
import { deadLetterTopic, redriveTopic } from './topics';

/** One message on a consumer group's dead-letter topic, described without its content. */
export interface DeadLetterEntry {
  /** Its offset on the dead-letter topic. */
  offset: string;
  code: string;
  reason: string;
  deadLetteredAt: string | undefined;
  source: { topic: string; partition: number; offset: string } | undefined;
  eventId: string | undefined;
  entryType: string | undefined;
  bytes: number;
  message: KafkaMessage;
}

export interface Progress {
  done: number;
  total: number;
}

function describe(message: KafkaMessage): DeadLetterEntry {
  const text = (name: string) => headerText(message.headers, name);
  const topic = text(DLQ_HEADERS.sourceTopic);
  const partition = Number(text(DLQ_HEADERS.sourcePartition));
  const offset = text(DLQ_HEADERS.sourceOffset);
  return {
    offset: message.offset,
    code: text(DLQ_HEADERS.code) ?? 'unknown',
    reason: text(DLQ_HEADERS.reason) ?? '',
    deadLetteredAt: text(DLQ_HEADERS.at),
    source:
      topic && offset && Number.isInteger(partition) ? { topic, partition, offset } : undefined,
    eventId: text(DLQ_HEADERS.eventId),
    entryType: text(ENTRY_TYPE_HEADER),
    bytes: message.value?.length ?? 0,
    message,
  };
}

/**
 * Every message of one partition from `from` up to its end as it stands when called, read
 * with a throw-away consumer group (nothing committed).
 */
export async function readPartitionToEnd(
  kafka: Kafka,
  topic: string,
  options: { partition?: number; from?: bigint; onProgress?: (progress: Progress) => void } = {},
): Promise<KafkaMessage[]> {
  const { partition: wanted = 0, from = 0n, onProgress } = options;
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const partition = offsets.find((entry) => entry.partition === wanted);
  const end = BigInt(partition?.high ?? '0');
  const start = from > BigInt(partition?.low ?? '0') ? from : BigInt(partition?.low ?? '0');
  if (end <= start) return [];
  const total = Number(end - start);
  const consumer = kafka.consumer({ groupId: `carelog-reader-${randomUUID()}` });
  // By offset: a batch read again after the seek is not counted twice.
  const messages = new Map<string, KafkaMessage>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: ({ batch }) => {
            if (batch.partition !== wanted) return Promise.resolve();
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              if (offset >= start && offset < end) messages.set(message.offset, message);
            }
            onProgress?.({ done: messages.size, total });
            if (BigInt(batch.lastOffset()) >= end - 1n) resolve();
            return Promise.resolve();
          },
        })
        .then(() => consumer.seek({ topic, partition: wanted, offset: start.toString() }))
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return [...messages.values()].sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
}

/** The dead letters of `consumerGroup` from offset `from`, oldest first. */
export async function readDeadLetters(
  kafka: Kafka,
  consumerGroup: string,
  options: { from?: bigint; onProgress?: (progress: Progress) => void } = {},
): Promise<DeadLetterEntry[]> {
  const messages = await readPartitionToEnd(kafka, deadLetterTopic(consumerGroup), options);
  return messages.map(describe);
}

export interface RedriveResult {
  /** Put back for the group to read again. */
  redriven: number;
  /** The same source message dead-lettered more than once: put back once. */
  duplicates: number;
}

/**
 * Puts dead letters back on the group's re-drive topic, which only that group reads: with
 * their original key, bytes and headers, and where they were first written. Each source
 * message goes back once per run however often it was dead-lettered; the consumers are
 * idempotent by event id, so a re-drive run twice still lands each entry once. One that
 * still fails is dead-lettered again with its new reason.
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  consumerGroup: string,
  entries: readonly DeadLetterEntry[],
  onProgress?: (progress: Progress) => void,
): Promise<RedriveResult> {
  const seen = new Set<string>();
  const unique: DeadLetterEntry[] = [];
  for (const entry of entries) {
    const key = entry.source
      ? `${entry.source.topic}:${entry.source.partition}:${entry.source.offset}`
      : `dlq:${entry.offset}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(entry);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const chunk = 500;
    for (let index = 0; index < unique.length; index += chunk) {
      const part = unique.slice(index, index + chunk);
      await producer.send({
        topic: redriveTopic(consumerGroup),
        acks: -1,
        messages: part.map(({ message }) => {
          const headers: IHeaders = {};
          for (const [name, value] of Object.entries(message.headers ?? {}))
            if (value !== undefined) headers[name] = value;
          return { key: message.key, value: message.value, headers };
        }),
      });
      onProgress?.({ done: index + part.length, total: unique.length });
    }
  } finally {
    await producer.disconnect();
  }
  return { redriven: unique.length, duplicates: entries.length - unique.length };
}
