import { readPartitionToEnd } from '@carelog/kafka';
import type { Kafka, KafkaMessage } from 'kafkajs';

/**
 * Every message of one partition from `fromOffset` up to its end as it stands now, read with
 * a throw-away consumer group. Resolves as soon as the last message has arrived.
 */
export const readPartition = (
  kafka: Kafka,
  topic: string,
  partition: number,
  fromOffset = '0',
): Promise<KafkaMessage[]> =>
  readPartitionToEnd(kafka, topic, { partition, from: BigInt(fromOffset) });
