import type { Kafka, Producer, RetryOptions } from 'kafkajs';
import { ensureTopics, recordTopicSpec } from './topics';

/**
 * Connects a producer on first use, creating its topics first, so that a service can start
 * while the broker is down. A failed attempt is forgotten: the next call tries again.
 */
export class ProducerConnection {
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly topics: () => readonly string[],
    private readonly retry: RetryOptions,
  ) {}

  ensure(): Promise<void> {
    this.connecting ??= (async () => {
      const admin = this.kafka.admin({ retry: this.retry });
      await admin.connect();
      try {
        await ensureTopics(
          admin,
          this.topics().map((topic) => recordTopicSpec(topic)),
        );
      } finally {
        await admin.disconnect();
      }
      await this.producer.connect();
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }
}
