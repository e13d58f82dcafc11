import type { EventCodec, UncheckedRecordEntryEvent } from '@carelog/codec';
import { DomainError } from '@carelog/domain';
import type { Kafka, Producer } from 'kafkajs';

export interface PublishedPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** The broker could not be reached or did not acknowledge in time: retriable, nothing recorded. */
export class BrokerUnavailableError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('broker-unavailable', 'the event log is unavailable; nothing was recorded, retry later');
  }
}

/**
 * Publishes record-entry events: Avro single-object encoded, keyed by NHS number (so one
 * patient's entries from one source keep their order), acks=all, idempotent producer.
 * `publish` resolves only once the broker has acknowledged the write.
 */
export class RecordEntryPublisher {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async publish(topic: string, event: UncheckedRecordEntryEvent): Promise<PublishedPosition> {
    const value = this.codec.encode(event);
    try {
      const [result] = await this.producer.send({
        topic,
        acks: -1,
        messages: [
          { key: event.patient.nhsNumber, value, headers: { 'carelog-entry-type': event.type } },
        ],
      });
      if (!result) throw new Error('broker returned no record metadata');
      return {
        topic,
        partition: result.partition,
        offset: result.baseOffset ?? result.offset ?? '',
      };
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new BrokerUnavailableError(5);
    }
  }
}
