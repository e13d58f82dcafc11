import {
  EventCodec,
  fingerprintOf,
  loadEventCodec,
  parseAvroSchema,
  SchemaCatalogue,
  schemasDir,
  singleObjectToConfluent,
  type RecordEntryEvent,
} from '@carelog/codec';
import {
  eventually,
  exampleEvent,
  nextTestNhsNumber,
  readPartition,
  startSchemaRegistry,
  uniqueName,
  type RunningSchemaRegistry,
} from '@carelog/testing';
import type { Schema } from 'avsc';
import { CheckpointedConsumer } from './checkpointed-consumer';
import { createKafka } from './client';
import { DLQ_HEADERS, headerText } from './dead-letters';
import {
  CONTENT_TYPES,
  ENTRY_TYPE_HEADER,
  RecordEntryPublisher,
  SCHEMA_FINGERPRINT_HEADER,
  SCHEMA_ID_HEADER,
} from './publisher';
import { SCHEMA_REGISTRY_URL_SETTING, SchemaRegistryClient } from './schema-registry';
import { deadLetterTopic, ensureTopics, recordEntryTopic, recordTopicSpec } from './topics';

/**
 * Registry framing against a stand-in for a Schema Registry's Confluent-compatible API (no real
 * registry could be run here: README, "Event consumers") and real
 * Kafka: a producer with a registry writes the Confluent wire format under the id the
 * registry gave its schema; a consumer reads both framings, including a Confluent-framed
 * message another tool wrote without carelog's fingerprint header.
 */
describe('registry framing (Confluent wire format) beside single-object framing', () => {
  const saved = { ...process.env };
  let registry: RunningSchemaRegistry;
  const kafka = createKafka('registry-framing-int-test');
  const shared = loadEventCodec();
  let topic: string;
  let plain: RecordEntryPublisher;
  let framed: RecordEntryPublisher;

  beforeAll(async () => {
    registry = await startSchemaRegistry();
    process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('registry');
    topic = recordEntryTopic('gp');
    plain = new RecordEntryPublisher(kafka, shared, [topic], undefined);
    framed = new RecordEntryPublisher(
      kafka,
      shared,
      [topic],
      new SchemaRegistryClient(registry.url, shared),
    );
  });

  afterAll(async () => {
    await plain?.disconnect();
    await framed?.disconnect();
    await registry?.stop();
    process.env = saved;
  });

  const messageAt = async (position: { partition: number; offset: string }) => {
    const [message] = await readPartition(kafka, topic, position.partition, position.offset);
    if (!message?.value) throw new Error('no message there');
    return message as typeof message & { value: Buffer };
  };

  it('writes single-object framing without a registry, and the Confluent wire format with one', async () => {
    const event = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    const single = await messageAt(await plain.publish(topic, event));
    expect([...single.value.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect(headerText(single.headers, 'content-type')).toBe(CONTENT_TYPES.singleObject);

    const next = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    const confluent = await messageAt(await framed.publish(topic, next));
    expect(confluent.value[0]).toBe(0);
    const id = confluent.value.readUInt32BE(1);
    expect(headerText(confluent.headers, 'content-type')).toBe(CONTENT_TYPES.confluent);
    expect(headerText(confluent.headers, SCHEMA_ID_HEADER)).toBe(String(id));
    // The id names, in the registry, the very schema the body was written with.
    const writer = shared.catalogue.current('ConsultationRecorded');
    const answer = (await (await fetch(`${registry.url}/schemas/ids/${id}`)).json()) as {
      schema: string;
    };
    expect(fingerprintOf(parseAvroSchema(JSON.parse(answer.schema) as Schema))).toBe(
      writer?.fingerprint,
    );
    expect(headerText(confluent.headers, SCHEMA_FINGERPRINT_HEADER)).toBe(writer?.fingerprint);
    const subjects = (await (await fetch(`${registry.url}/subjects`)).json()) as string[];
    expect(subjects).toContain('carelog.gp.ConsultationRecorded');
    // The body after the 5-byte prefix is the same Avro body as the single-object one's.
    expect(shared.decode(confluent.value).event.eventId).toBe(next.eventId);
  }, 120_000);

  it('given both framings on a topic, one written by another tool with no fingerprint header, a consumer reads every entry', async () => {
    const written: string[] = [];
    const viaPlain = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    await plain.publish(topic, viaPlain);
    const viaRegistry = exampleEvent('ProblemRecorded', { nhsNumber: nextTestNhsNumber() });
    await framed.publish(topic, viaRegistry);
    // As Kafka Connect or kcat would write it: Confluent framing and no carelog headers.
    const foreign = exampleEvent('AllergyRecorded', { nhsNumber: nextTestNhsNumber() });
    const writer = shared.catalogue.current('AllergyRecorded');
    if (!writer) throw new Error('no AllergyRecorded schema');
    const id = await new SchemaRegistryClient(registry.url, shared).idFor(writer);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          key: foreign.patient.nhsNumber,
          value: singleObjectToConfluent(shared.encode(foreign), id),
          headers: { [ENTRY_TYPE_HEADER]: 'AllergyRecorded' },
        },
      ],
    });
    await producer.disconnect();
    written.push(viaPlain.eventId, viaRegistry.eventId, foreign.eventId);

    // A consumer that has never seen these ids: it learns the foreign one from the registry.
    process.env[SCHEMA_REGISTRY_URL_SETTING] = registry.url;
    const group = uniqueName('registry-consumer');
    await (async () => {
      const admin = kafka.admin();
      await admin.connect();
      await ensureTopics(admin, [recordTopicSpec(deadLetterTopic(group), 1)]);
      await admin.disconnect();
    })();
    const read: RecordEntryEvent[] = [];
    const deadLettered: number[] = [];
    const consumer = new CheckpointedConsumer(
      kafka,
      new EventCodec(SchemaCatalogue.load(schemasDir)),
      {
        consumerGroup: group,
        topics: [topic],
        checkpoint: () => Promise.resolve(undefined),
        write: (batch) => {
          read.push(...batch.events.map(({ event }) => event));
          return Promise.resolve();
        },
        onDeadLettered: (count) => deadLettered.push(count),
        logger: { warn: () => undefined, error: () => undefined },
      },
    );
    await consumer.start();
    try {
      await eventually(
        () => expect(read.map((event) => event.eventId)).toEqual(expect.arrayContaining(written)),
        { timeoutMs: 60_000 },
      );
      expect(deadLettered).toEqual([]);
      expect(registry.requests).toContain(`GET /schemas/ids/${id}`);
    } finally {
      await consumer.stop();
    }
  }, 120_000);

  it('given no registry, a Confluent-framed message naming neither a known id nor a fingerprint is dead-lettered as unknown-schema-id', async () => {
    delete process.env[SCHEMA_REGISTRY_URL_SETTING];
    const isolated = `${topic}.isolated`;
    const group = uniqueName('no-registry-consumer');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [
      recordTopicSpec(isolated, 1),
      recordTopicSpec(deadLetterTopic(group), 1),
    ]);
    await admin.disconnect();
    const foreign = exampleEvent('AllergyRecorded', { nhsNumber: nextTestNhsNumber() });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: isolated,
      messages: [{ key: 'x', value: singleObjectToConfluent(shared.encode(foreign), 987_654) }],
    });
    await producer.disconnect();
    const consumer = new CheckpointedConsumer(
      kafka,
      new EventCodec(SchemaCatalogue.load(schemasDir)),
      {
        consumerGroup: group,
        topics: [isolated],
        checkpoint: () => Promise.resolve(undefined),
        write: () => Promise.resolve(),
        logger: { warn: () => undefined, error: () => undefined },
      },
    );
    await consumer.start();
    try {
      const [letter] = await eventually(async () => {
        const letters = await readPartition(kafka, deadLetterTopic(group), 0);
        expect(letters).toHaveLength(1);
        return letters;
      });
      expect(headerText(letter?.headers, DLQ_HEADERS.code)).toBe('unknown-schema-id');
    } finally {
      await consumer.stop();
    }
  }, 120_000);
});
