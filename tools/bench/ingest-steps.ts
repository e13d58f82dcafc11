import { mintLocalToken, TokenVerifier, verifierSettingsFromEnv } from '@carelog/auth';
import type { EventCodec, UncheckedRecordEntryEvent } from '@carelog/codec';
import { recordEntryTopic, RecordEntryPublisher } from '@carelog/kafka';
import type { Kafka } from 'kafkajs';
import type { Client } from 'pg';
import type { GeneratedEvent } from './generator';
import { sequential, timed } from './http-load';
import { summarise, type LatencySummary } from './stats';

/**
 * Where an ingest request's time goes, each step measured on its own, one after another (no
 * contention): verifying the caller's token, the idempotency store's transaction (insert the
 * key's row, update it with the position, commit: what a request holds across its produce),
 * one produce with acks=all on an idempotent producer with nothing else in flight, and the
 * HTTP round trip to the service itself (a health check).
 */
export async function measureIngestSteps(options: {
  token: string;
  kafka: Kafka;
  codec: EventCodec;
  db: Client;
  schema: string;
  serviceUrl: string;
  events: readonly GeneratedEvent[];
  count: number;
}): Promise<Record<string, LatencySummary>> {
  const { count, db, schema } = options;
  const steps: Record<string, LatencySummary> = {};
  const verifier = new TokenVerifier(await verifierSettingsFromEnv());
  // A token the verifier has not seen has its signature checked; one it has is remembered
  // until it expires (TokenVerifier): a source system sends the same token until then.
  const unseen = await Promise.all(
    Array.from({ length: count + 20 }, (_, index) =>
      mintLocalToken({ role: 'gp', organisation: 'A81001', userId: `bench-step-${index}` }),
    ),
  );
  steps['token verification, first sight of the token (signature checked)'] = await sequential(
    async () => {
      const token = unseen.pop() ?? '';
      const started = performance.now();
      await verifier.verifyAny(`Bearer ${token}`);
      return performance.now() - started;
    },
    count,
    20,
  );
  steps['token verification, the same token again (remembered)'] = await sequential(
    async () => {
      const started = performance.now();
      await verifier.verifyAny(`Bearer ${options.token}`);
      return performance.now() - started;
    },
    count,
    20,
  );
  // The producer service's own table, copied with its indexes into the bench's schema.
  await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await db.query(
    `CREATE TABLE "${schema}".published_entry (LIKE producer.published_entry INCLUDING ALL)`,
  );
  let key = 0;
  steps['idempotency store: BEGIN, insert key, update position, COMMIT'] = await sequential(
    async () => {
      const { event } = options.events[key++ % options.events.length] as GeneratedEvent;
      const id = `${key}`.padStart(12, '0');
      const eventId = `00000000-0000-4000-8000-${id}`;
      const started = performance.now();
      await db.query('BEGIN');
      await db.query(
        `INSERT INTO "${schema}".published_entry
           (event_id, request_hash, organisation, entry_type, domain, nhs_number, occurred_at, sensitivity,
            topic, kafka_partition, kafka_offset, published_at, attention, supersedes)
         VALUES ($1, 'hash', $2, $3, 'gp', $4, $5, '{}', '', -1, -1, now(), NULL, NULL)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [eventId, event.source.organisation, event.type, event.patient.nhsNumber, event.occurredAt],
      );
      await db.query(
        `UPDATE "${schema}".published_entry SET topic = 't', kafka_partition = 0, kafka_offset = 1
         WHERE event_id = $1`,
        [eventId],
      );
      await db.query('COMMIT');
      return performance.now() - started;
    },
    count,
    20,
  );
  const producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    let next = 0;
    steps['one produce, acks=all, idempotent, nothing else in flight'] = await sequential(
      async () => {
        const { domain, event } = options.events[next++ % options.events.length] as GeneratedEvent;
        const started = performance.now();
        await producer.send({
          topic: recordEntryTopic(domain),
          acks: -1,
          messages: [{ key: event.patient.nhsNumber, value: options.codec.encode(event) }],
        });
        return performance.now() - started;
      },
      count,
      20,
    );
  } finally {
    await producer.disconnect();
  }
  steps['HTTP round trip to the service (GET /health/live)'] = await sequential(
    async () =>
      (await timed({ url: `${options.serviceUrl}/health/live`, method: 'GET', headers: {} })).ms,
    count,
    20,
  );
  return steps;
}

/**
 * The raw batched producer: the publisher the producer services use (one idempotent producer,
 * acks=all, concurrent publishes sharing a produce request), driven in this process by
 * `concurrency` callers in a closed loop over the same entries, with no HTTP, token or
 * idempotency store: the ceiling for HTTP ingest through one producer.
 */
export async function rawBatchedProducer(options: {
  kafka: Kafka;
  codec: EventCodec;
  events: readonly GeneratedEvent[];
  concurrency: number;
  seconds: number;
}): Promise<{ perSecond: number; latency: LatencySummary }> {
  const publisher = new RecordEntryPublisher(options.kafka, options.codec);
  await publisher.connect();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const end = started + options.seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < end) {
          const { domain, event } = options.events[next++ % options.events.length] as {
            domain: GeneratedEvent['domain'];
            event: UncheckedRecordEntryEvent;
          };
          const sent = performance.now();
          await publisher.publish(recordEntryTopic(domain), event);
          latencies.push(performance.now() - sent);
        }
      }),
    );
  } finally {
    await publisher.disconnect();
  }
  return {
    perSecond: latencies.length / ((performance.now() - started) / 1000),
    latency: summarise(latencies),
  };
}
