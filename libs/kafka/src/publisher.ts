import {
  singleObjectFingerprint,
  singleObjectToConfluent,
  type EventCodec,
  type UncheckedRecordEntryEvent,
} from '@carelog/codec';
import { setting } from '@carelog/config';
import { DomainError } from '@carelog/domain';
import {
  Partitioners,
  type Kafka,
  type Message,
  type PartitionMetadata,
  type Producer,
} from 'kafkajs';
import { ProducerConnection } from './producer-connection';
import { schemaRegistryFromEnv, type SchemaRegistryClient } from './schema-registry';
import { inSpan, SpanKind, traceHeaders } from './tracing';
import { Counter, Histogram, Registry } from 'prom-client';

export interface PublishedPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** The header naming a message's entry type; a consumer refuses a message whose schema says otherwise. */
export const ENTRY_TYPE_HEADER = 'carelog-entry-type';

/** The `content-type` header: how a message's Avro value is framed (README, "Event consumers"). */
export const CONTENT_TYPES = {
  /** Avro single-object encoding: C3 01, the writer schema's 8-byte fingerprint, the body. */
  singleObject: 'application/vnd.apache.avro+single-object',
  /** The Confluent wire format: 0, the registry's 4-byte big-endian schema id, the body. */
  confluent: 'application/vnd.apache.avro+confluent',
} as const;

/** The writer schema's CRC-64-AVRO fingerprint (16 hex digits), on every record entry. */
export const SCHEMA_FINGERPRINT_HEADER = 'carelog-schema-fingerprint';
/** The registry's schema id, on a Confluent-framed record entry. */
export const SCHEMA_ID_HEADER = 'carelog-schema-id';

/**
 * Metrics of the Kafka clients in this process (publishes), served on every service's
 * /metrics beside the service's own registry.
 */
export const kafkaMetricsRegistry = new Registry();
const publishDuration = new Histogram({
  name: 'carelog_publish_duration_seconds',
  help: 'From publish to the broker acknowledging it (acks=all), by topic and outcome',
  labelNames: ['topic', 'outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [kafkaMetricsRegistry],
});
const publishFailures = new Counter({
  name: 'carelog_publish_failures_total',
  help: 'Publishes that failed (nothing recorded), by topic and code',
  labelNames: ['topic', 'code'],
  registers: [kafkaMetricsRegistry],
});

/** How long a client is told to wait before retrying when the event log is unavailable. */
export const RETRY_AFTER_SECONDS = 5;

/** The broker could not be reached or did not acknowledge: retriable, and nothing was recorded. */
export class BrokerUnavailableError extends DomainError {
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS;

  constructor() {
    super('broker-unavailable', 'the event log is unavailable; nothing was recorded, retry later');
  }
}

/**
 * kafkajs's own retry budget for one send: about 3 s of back-off plus connection time-outs,
 * after which the send fails and is not retried in the background. A caller gets its 503
 * within that bound, and a message that failed is never written later behind its back.
 */
const SEND_RETRY = {
  retries: 4,
  initialRetryTime: 200,
  maxRetryTime: 1600,
  factor: 0.2,
  multiplier: 2,
};

/** At most this many messages in one produce request. */
export const MAX_MESSAGES_PER_PRODUCE = 500;
/**
 * At most this many bytes (keys, values and headers) in one produce request, unless its first
 * message alone is larger. The broker refuses a partition's record batch over its
 * `message.max.bytes` (1 MiB by default) as a whole, so without this bound a burst of long
 * entries (free text holds up to 20,000 characters, ~80 KB) on one partition would fail
 * every entry that shared the request, where each alone would have been recorded.
 */
export const MAX_BYTES_PER_PRODUCE = 512 * 1024;

/** A message's size as counted against MAX_BYTES_PER_PRODUCE (its framing overhead aside). */
function messageBytes(message: Message): number {
  let bytes = byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    bytes +=
      Buffer.byteLength(name) +
      (Array.isArray(value) ? value : [value]).reduce(
        (sum: number, part) => sum + byteLength(part),
        0,
      );
  return bytes;
}

const byteLength = (value: Buffer | string | null | undefined): number =>
  value === null || value === undefined ? 0 : Buffer.byteLength(value);

interface Queued {
  topic: string;
  message: Message & { partition: number };
  bytes: number;
  resolve: (position: PublishedPosition) => void;
  reject: (error: unknown) => void;
}

/**
 * Publishes record-entry events: Avro single-object encoded, keyed by NHS number (so one
 * patient's entries from one source keep their order), acks=all, one idempotent producer with
 * one produce request in flight. Concurrent publishes share that request: each waits in a
 * queue, and the queue goes as one produce (after CARELOG_PRODUCE_LINGER_MS when the producer
 * was idle, at once when the last produce has just been acknowledged; at most
 * MAX_MESSAGES_PER_PRODUCE messages and MAX_BYTES_PER_PRODUCE bytes in one). `publish`
 * resolves only once the broker has acknowledged the request its own event went in; if that
 * request fails, every event in it fails (503) and none is retried behind the caller's back.
 * Order: events of one partition go in the order they were published (a request holds the
 * queue's head), and an entry that must follow another
 * (a correction after its original) is only published once the first was acknowledged.
 * (One produce per request, even over four producers, made each request wait for acks=all
 * round trips of others: 355–555 entries/s with 32 clients.) The broker may be down when the
 * service starts: the publisher connects (and creates its topics) on demand.
 */
export class RecordEntryPublisher {
  private producer!: Producer;
  private connection!: ProducerConnection;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, Promise<PartitionMetadata[]>>();
  private queue: Queued[] = [];
  private sending: Promise<void> | undefined;
  private lingering: NodeJS.Timeout | undefined;
  private produced = { requests: 0, events: 0 };
  /** CARELOG_PRODUCE_LINGER_MS, read when the publisher is made. */
  private readonly lingerMs = setting('CARELOG_PRODUCE_LINGER_MS');

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly topics: readonly string[] = [],
    /** Set (CARELOG_SCHEMA_REGISTRY_URL): writes the Confluent wire format, registering schemas. */
    private readonly registry: SchemaRegistryClient | undefined = schemaRegistryFromEnv(codec),
  ) {
    this.useNewProducer();
  }

  /**
   * A new idempotent producer (a new producer id, its sequence numbers from 0), connected on
   * first use. After a produce request fails, the broker and the old producer may disagree on
   * the next sequence number (a broker killed mid-request: issue #18, R1), and kafkajs's
   * producer then fails every later request with OUT_OF_ORDER_SEQUENCE_NUMBER for good. The
   * failed request's events were answered 503 and are sent again, if at all, as new messages,
   * so a fresh producer loses none of the idempotence that the old one gave.
   */
  private useNewProducer(): void {
    const previous = this.producer as Producer | undefined;
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: SEND_RETRY,
    });
    this.connection = new ProducerConnection(
      this.kafka,
      this.producer,
      () => this.topics,
      SEND_RETRY,
    );
    void previous?.disconnect().catch(() => undefined);
  }

  /** Connects and creates the topics; a failure is forgotten so the next call tries again. */
  async connect(): Promise<void> {
    await this.connection.ensure();
  }

  /** Sends what is queued and waits for it, then closes the connection. */
  async disconnect(): Promise<void> {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    while (this.sending || this.queue.length > 0) {
      if (!this.sending) this.flush();
      await this.sending;
    }
    await this.producer.disconnect();
  }

  /** Produce requests sent and events they carried, since the publisher was made. */
  get produceStats(): { requests: number; events: number } {
    return { ...this.produced };
  }

  /** Encodes (refusing an invalid event with a DomainError) and publishes it. */
  publish(topic: string, event: UncheckedRecordEntryEvent): Promise<PublishedPosition> {
    return this.publishEncoded(topic, event, this.codec.encode(event));
  }

  /**
   * Publishes an event already encoded by the codec, in a producer span whose context goes
   * with the message (`traceparent`); failures become BrokerUnavailableError (503).
   */
  publishEncoded(
    topic: string,
    event: UncheckedRecordEntryEvent,
    value: Buffer,
  ): Promise<PublishedPosition> {
    return inSpan(
      `${topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': topic,
          'carelog.entry_type': event.type,
          'carelog.event_id': event.eventId,
        },
      },
      async () => {
        const stop = publishDuration.startTimer({ topic });
        try {
          const position = await this.enqueue(topic, event, value);
          stop({ outcome: 'acknowledged' });
          return position;
        } catch (error) {
          stop({ outcome: 'failed' });
          publishFailures.inc({ topic, code: (error as { code?: string }).code ?? 'error' });
          throw error;
        }
      },
    );
  }

  private async enqueue(
    topic: string,
    event: UncheckedRecordEntryEvent,
    value: Buffer,
  ): Promise<PublishedPosition> {
    let partition: number;
    const message = await this.framed(event, value);
    try {
      await this.connection.ensure();
      // The partition kafkajs's default partitioner would choose (by key), chosen here so that
      // each event's own offset can be told from its partition's base offset.
      partition = this.partitioner({
        topic,
        partitionMetadata: await this.partitionsOf(topic),
        message,
      });
    } catch {
      throw new BrokerUnavailableError();
    }
    return new Promise<PublishedPosition>((resolve, reject) => {
      const framedMessage = { ...message, partition };
      this.queue.push({
        topic,
        message: framedMessage,
        bytes: messageBytes(framedMessage),
        resolve,
        reject,
      });
      if (!this.sending && !this.lingering)
        this.lingering = setTimeout(() => {
          this.lingering = undefined;
          this.flush();
        }, this.lingerMs);
    });
  }

  /**
   * The message for a single-object encoded value: as it is, or, with a registry, in the
   * Confluent wire format under the id the registry gave its writer schema (a registry that
   * does not answer is a 503 like a broker that does not: nothing is recorded).
   */
  private async framed(event: UncheckedRecordEntryEvent, value: Buffer): Promise<Message> {
    const fingerprint = singleObjectFingerprint(value);
    const headers = {
      ...traceHeaders(),
      [ENTRY_TYPE_HEADER]: event.type,
      [SCHEMA_FINGERPRINT_HEADER]: fingerprint,
    };
    const writer = this.codec.catalogue.byFingerprintHex(fingerprint);
    if (!this.registry || !writer)
      return {
        key: event.patient.nhsNumber,
        value,
        headers: { ...headers, 'content-type': CONTENT_TYPES.singleObject },
      };
    const id = await this.registry.idFor(writer);
    return {
      key: event.patient.nhsNumber,
      value: singleObjectToConfluent(value, id),
      headers: {
        ...headers,
        'content-type': CONTENT_TYPES.confluent,
        [SCHEMA_ID_HEADER]: String(id),
      },
    };
  }

  /** A topic's partitions, asked once; a failed ask is forgotten so the next call tries again. */
  private partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    let known = this.partitions.get(topic);
    if (!known) {
      known = (async () => {
        const admin = this.kafka.admin({ retry: SEND_RETRY });
        await admin.connect();
        try {
          const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = metadata.topics[0]?.partitions ?? [];
          if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
          return partitions;
        } finally {
          await admin.disconnect();
        }
      })();
      known.catch(() => this.partitions.delete(topic));
      this.partitions.set(topic, known);
    }
    return known;
  }

  /** Sends the queue's head as one produce request; when it is answered, the next goes at once. */
  private flush(): void {
    let count = 0;
    let bytes = 0;
    for (const { bytes: size } of this.queue) {
      if (count === MAX_MESSAGES_PER_PRODUCE || (count > 0 && bytes + size > MAX_BYTES_PER_PRODUCE))
        break;
      count++;
      bytes += size;
    }
    const batch = this.queue.splice(0, count);
    if (batch.length === 0) return;
    this.sending = this.send(batch).finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0) this.flush();
    });
  }

  private async send(batch: readonly Queued[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    const perPartition = new Map<string, number>();
    /** Each event's place among its partition's messages in this request (kept in order). */
    const placed = batch.map(({ topic, message }) => {
      const messages = byTopic.get(topic) ?? [];
      if (messages.length === 0) byTopic.set(topic, messages);
      messages.push(message);
      const key = `${topic}:${message.partition}`;
      const index = perPartition.get(key) ?? 0;
      perPartition.set(key, index + 1);
      return index;
    });
    this.produced.requests++;
    this.produced.events += batch.length;
    try {
      const results = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      const base = new Map(
        results.map((result) => [
          `${result.topicName}:${result.partition}`,
          BigInt(result.baseOffset ?? result.offset ?? -1),
        ]),
      );
      batch.forEach(({ topic, message, resolve, reject }, i) => {
        const first = base.get(`${topic}:${message.partition}`);
        if (first === undefined || first < 0n) reject(new BrokerUnavailableError());
        else
          resolve({
            topic,
            partition: message.partition,
            offset: String(first + BigInt(placed[i] ?? 0)),
          });
      });
    } catch {
      for (const { reject } of batch) reject(new BrokerUnavailableError());
      this.useNewProducer();
    }
  }
}
