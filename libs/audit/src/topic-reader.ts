import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { CONSUMER_GROUPS } from '@carelog/kafka';

/**
 * Every message of a topic, from its start to its end as it stands when called, read with a
 * throw-away consumer group that is deleted afterwards. A topic that does not exist reads as
 * empty (the verifier reports what that means).
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onMessage: (message: KafkaMessage, partition: number) => void,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${CONSUMER_GROUPS.auditVerify}${randomUUID()}`;
  try {
    if (!(await admin.listTopics()).includes(topic)) return;
    const offsets = await admin.fetchTopicOffsets(topic);
    const ends = new Map(
      offsets
        .filter((entry) => BigInt(entry.high) > BigInt(entry.low))
        .map((entry) => [entry.partition, BigInt(entry.high)]),
    );
    if (ends.size === 0) return;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: ({ batch }) => {
              const end = ends.get(batch.partition);
              if (end === undefined) return Promise.resolve();
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) break;
                onMessage(message, batch.partition);
                if (BigInt(message.offset) >= end - 1n) ends.delete(batch.partition);
              }
              if (ends.size === 0) resolve();
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
