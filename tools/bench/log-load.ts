import type { EventCodec } from '@carelog/codec';
import { recordEntryTopic, recordEntryTopics } from '@carelog/kafka';
import { Partitioners, type Kafka, type Message, type PartitionMetadata } from 'kafkajs';
import type { GeneratedEvent } from './generator';

/** Messages per produce request when pre-filling (one patient's share of a batch stays under the 1 MB batch limit). */
export const PREFILL_BATCH = 2000;

export interface PrefillResult {
  events: number;
  bytes: number;
  seconds: number;
}

const toMessage = (codec: EventCodec, { event }: GeneratedEvent): Message => ({
  key: event.patient.nhsNumber,
  value: codec.encode(event),
  headers: { 'carelog-entry-type': event.type },
});

/**
 * Writes the events to their topics as fast as one raw producer can: batches of
 * PREFILL_BATCH, acks=all, idempotent, the next batch encoded while the last is in flight.
 */
export async function prefillTopics(
  kafka: Kafka,
  codec: EventCodec,
  events: Iterable<GeneratedEvent>,
  onProgress: (events: number) => void,
): Promise<PrefillResult> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  let inFlight: Promise<unknown> = Promise.resolve();
  let count = 0;
  let bytes = 0;
  let batch = new Map<string, Message[]>();
  let batched = 0;
  const flush = async () => {
    const topicMessages = [...batch].map(([topic, messages]) => ({ topic, messages }));
    batch = new Map();
    batched = 0;
    await inFlight;
    inFlight = producer.sendBatch({ topicMessages, acks: -1 });
    onProgress(count);
  };
  try {
    for (const generated of events) {
      const message = toMessage(codec, generated);
      bytes += (message.value as Buffer).length;
      const topic = recordEntryTopic(generated.domain);
      const list = batch.get(topic) ?? [];
      list.push(message);
      batch.set(topic, list);
      count++;
      if (++batched >= PREFILL_BATCH) await flush();
    }
    if (batched > 0) await flush();
    await inFlight;
  } finally {
    await producer.disconnect();
  }
  return { events: count, bytes, seconds: (performance.now() - started) / 1000 };
}

/** Sum of every record-entry partition's end offset: how many events the topics hold. */
export async function logEnd(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of recordEntryTopics())
      for (const partition of await admin.fetchTopicOffsets(topic))
        total += Number(partition.high) - Number(partition.low);
    return total;
  } finally {
    await admin.disconnect();
  }
}

export interface ProgressSample {
  at: number;
  done: number;
}

/**
 * Baseline B1: a plain kafkajs consumer (default fetch settings, its own group) reading every
 * record-entry topic from the start and doing nothing with the messages but count them.
 */
export async function rawConsumerRead(
  kafka: Kafka,
  groupId: string,
  total: number,
): Promise<{ samples: ProgressSample[]; seconds: number }> {
  const consumer = kafka.consumer({ groupId });
  const samples: ProgressSample[] = [];
  let done = 0;
  const started = performance.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: recordEntryTopics(), fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: ({ batch }) => {
            if (samples.length === 0) samples.push({ at: performance.now(), done: 0 });
            done += batch.messages.length;
            samples.push({ at: performance.now(), done });
            if (done >= total) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { samples, seconds: (performance.now() - started) / 1000 };
}

/** Where each event of a paced send landed, and when it was sent. */
export interface SentEvent {
  topic: string;
  partition: number;
  offset: bigint;
  sentAt: number;
}

/**
 * Publishes live events at a steady rate for a while: every 10 ms a tick sends its share in
 * one acks=all request. Each message's partition is chosen with kafkajs's default
 * partitioner (by key, as the producers do) so that its offset can be read off the result.
 */
/** Paced sends waiting for their answer at once, at most (kafkajs queues more behind a lock and gives up). */
const MAX_SENDS_IN_FLIGHT = 32;

export async function publishAtRate(
  kafka: Kafka,
  codec: EventCodec,
  events: Iterator<GeneratedEvent>,
  perSecond: number,
  seconds: number,
  onSent: (sent: SentEvent[]) => void,
): Promise<{ sent: number; achievedPerSecond: number }> {
  const admin = kafka.admin();
  await admin.connect();
  const metadata = await admin
    .fetchTopicMetadata({ topics: recordEntryTopics() })
    .finally(() => admin.disconnect());
  const partitions = new Map<string, PartitionMetadata[]>(
    metadata.topics.map((topic) => [topic.name, topic.partitions]),
  );
  const partitioner = Partitioners.DefaultPartitioner();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const tickMs = 10;
  const ticks = Math.round((seconds * 1000) / tickMs);
  let owed = 0;
  let sent = 0;
  const sends: Array<Promise<void>> = [];
  /** Sends not yet answered: a broker that falls behind slows the pace (achieved rate) instead. */
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  try {
    for (let tick = 0; tick < ticks; tick++) {
      while (inFlight.size >= MAX_SENDS_IN_FLIGHT) await Promise.race(inFlight);
      const due = started + tick * tickMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      owed += (perSecond * tickMs) / 1000;
      const count = Math.floor(owed);
      owed -= count;
      if (count === 0) continue;
      const byPartition = new Map<string, { topic: string; partition: number; n: number }>();
      const topicMessages = new Map<string, Message[]>();
      const placed: Array<{ topic: string; partition: number; index: number }> = [];
      for (let i = 0; i < count; i++) {
        const next = events.next();
        if (next.done) throw new Error('the live event stream ended');
        const topic = recordEntryTopic(next.value.domain);
        const message = toMessage(codec, next.value);
        const partition = partitioner({
          topic,
          partitionMetadata: partitions.get(topic) ?? [],
          message,
        });
        const key = `${topic}:${partition}`;
        const slot = byPartition.get(key) ?? { topic, partition, n: 0 };
        placed.push({ topic, partition, index: slot.n++ });
        byPartition.set(key, slot);
        const list = topicMessages.get(topic) ?? [];
        list.push({ ...message, partition });
        topicMessages.set(topic, list);
      }
      const sentAt = performance.now();
      sent += count;
      const send = producer
        .sendBatch({
          acks: -1,
          topicMessages: [...topicMessages].map(([topic, messages]) => ({ topic, messages })),
        })
        .then((results) => {
          const base = new Map(
            results.map((result) => [
              `${result.topicName}:${result.partition}`,
              BigInt(result.baseOffset ?? '0'),
            ]),
          );
          onSent(
            placed.map(({ topic, partition, index }) => ({
              topic,
              partition,
              offset: (base.get(`${topic}:${partition}`) ?? 0n) + BigInt(index),
              sentAt,
            })),
          );
        });
      sends.push(send);
      inFlight.add(send);
      void send.then(
        () => inFlight.delete(send),
        () => inFlight.delete(send),
      );
    }
    await Promise.all(sends);
  } finally {
    await producer.disconnect();
  }
  return { sent, achievedPerSecond: sent / ((performance.now() - started) / 1000) };
}
