import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import { migrateReadModel, readModelDataSource, RecordEntryRow } from '@carelog/read-model';
import { eventually, exampleEvent, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Admin, Producer } from 'kafkajs';
import { In, type DataSource } from 'typeorm';
import { projectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('recreated-topic');

const codec = loadEventCodec();
const kafka = createKafka('projection-recreated-topic-test');

/**
 * Issue #18, R5: a record-entry topic deleted by mistake and created again starts at offset 0,
 * while the read model's checkpoint still points past the old log's end. The projection used
 * to drop every new entry below that checkpoint, so entries acknowledged on the restored
 * topic never reached anyone's record. Now it reads the new log from its start.
 */
describe('a record-entry topic deleted and created again', () => {
  const group = uniqueName('recreated-topic');
  const schema = uniqueName('read_model_recreated_topic');
  const topic = recordEntryTopic('gp');
  let admin: Admin;
  let producer: Producer;
  let dataSource: DataSource;
  let consumer: CheckpointedConsumer | undefined;

  const projected = async (eventIds: string[]) =>
    dataSource.getRepository(RecordEntryRow).countBy({ eventId: In(eventIds) });
  const send = async (count: number) => {
    const nhsNumber = nextTestNhsNumber();
    const events = Array.from({ length: count }, () =>
      exampleEvent('ConsultationRecorded', { nhsNumber }),
    );
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((event) => ({
        partition: 0,
        key: nhsNumber,
        value: codec.encode(event),
      })),
    });
    return events.map((event) => event.eventId);
  };
  const startConsumer = async () => {
    consumer = projectionConsumer(kafka, codec, new RecordWriter(dataSource), group);
    await consumer.start();
  };

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics([group]));
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    dataSource = readModelDataSource({ applicationName: 'projection-recreated-topic', schema });
    await dataSource.initialize();
    await migrateReadModel(dataSource);
  });

  afterAll(async () => {
    await consumer?.stop();
    await producer.disconnect();
    await admin.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('projects the entries of the new log, though they sit below the old checkpoint', async () => {
    await startConsumer();
    const before = await send(6);
    await eventually(async () => expect(await projected(before)).toBe(6), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    await consumer?.stop();

    await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    await eventually(async () => expect(await admin.listTopics()).not.toContain(topic), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    await ensureTopics(admin, platformTopics([group]));
    // Offsets 0 and 1 of the new log: below the checkpoint (6) the read model kept.
    const after = await eventually(async () => send(2), { timeoutMs: 60_000, intervalMs: 500 });
    await startConsumer();

    await eventually(async () => expect(await projected(after)).toBe(2), {
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    // What was projected from the old log stays in the record.
    expect(await projected(before)).toBe(6);
    const [checkpoint] = await dataSource.query<Array<{ next_offset: string }>>(
      `SELECT next_offset FROM "${schema}".projection_checkpoint WHERE consumer_group = $1 AND topic = $2 AND kafka_partition = 0`,
      [group, topic],
    );
    expect(checkpoint?.next_offset).toBe('2');
  }, 240_000);
});
