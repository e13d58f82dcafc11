import { loadAuditCodec, type AuditEvents } from '@carelog/codec';
import { ProducerConnection } from '@carelog/kafka';
import type { Kafka, Producer, RecordMetadata } from 'kafkajs';

/**
 * kafkajs's retry budget for one send once connected. Connecting itself retries on the
 * Kafka client's own budget (createKafka's: about nine seconds to give up on a dead broker).
 */
export const PUBLISH_RETRY = {
  retries: 4,
  initialRetryTime: 200,
  maxRetryTime: 1600,
  factor: 0.2,
  multiplier: 2,
};

/**
 * How the audit trail and its checkpointer publish: one idempotent producer with one request
 * in flight (so a retry cannot reorder), its topic made on first use, each message encoded
 * with the audit codec and acknowledged by every in-sync replica.
 */
export class AuditPublisher {
  private readonly producer: Producer;
  private readonly connection: ProducerConnection;

  constructor(
    kafka: Kafka,
    /** The topic, read when first connecting and at each send. */
    private readonly topic: () => string,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: PUBLISH_RETRY,
    });
    this.connection = new ProducerConnection(kafka, this.producer, () => [topic()], PUBLISH_RETRY);
  }

  /** Publishes one audit event under `key`; answers where the broker stored it. */
  async publish<T extends keyof AuditEvents>(
    type: T,
    key: string,
    event: AuditEvents[T],
  ): Promise<RecordMetadata> {
    await this.connection.ensure();
    const [result] = await this.producer.send({
      topic: this.topic(),
      acks: -1,
      messages: [
        {
          key,
          value: loadAuditCodec().encode(type, event),
          headers: {
            'carelog-audit-event': type,
            'content-type': 'application/vnd.apache.avro+single-object',
          },
        },
      ],
    });
    if (!result) throw new Error('broker returned no record metadata');
    return result;
  }

  /** Waits for publishes in flight, then closes the connection to the broker. */
  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
