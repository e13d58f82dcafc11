import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/**
 * Every message of one partition from `fromOffset` up to its end as it stands now, read with
 * a throw-away consumer group. Resolves as soon as the last message has arrived.
 */
export async function readPartition(
  kafka: Kafka,
  topic: string,
  partition: number,
  fromOffset = '0',
): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const end = BigInt(offsets.find((entry) => entry.partition === partition)?.high ?? '0');
  if (end <= BigInt(fromOffset)) return [];
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition: from, message }) => {
            if (from !== partition || BigInt(message.offset) < BigInt(fromOffset))
              return Promise.resolve();
            messages.push(message);
            if (BigInt(message.offset) >= end - 1n) resolve();
            return Promise.resolve();
          },
        })
        .then(() => consumer.seek({ topic, partition, offset: fromOffset }))
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
