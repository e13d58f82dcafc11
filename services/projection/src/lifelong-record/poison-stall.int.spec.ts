import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import {
  createKafka,
  deadLetterTopic,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
} from '@carelog/kafka';
import { migrateReadModel, readModelDataSource, RecordEntryRow } from '@carelog/read-model';
import {
  eventually,
  exampleEvent,
  nextTestNhsNumber,
  readPartition,
  uniqueName,
} from '@carelog/testing';
import type { Admin, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ProjectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('poison-stall');

const codec = loadEventCodec();
const kafka = createKafka('projection-poison-stall-test');

/**
 * The defect of issue #13: an entry with a NUL in its text, or an occurredAt in year 0, is
 * valid Avro that Postgres refuses (22P05, 22008); the projection retried it for ever and the
 * partition never moved again. Now each is dead-lettered and the entry behind it projected.
 */
describe('a NUL or a year 0 no longer stalls its partition', () => {
  const group = uniqueName('poison-stall');
  const schema = uniqueName('read_model_poison_stall');
  let admin: Admin;
  let producer: Producer;
  let dataSource: DataSource;
  let consumer: ProjectionConsumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics([group]));
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    dataSource = readModelDataSource({ applicationName: 'projection-poison-stall', schema });
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    consumer = new ProjectionConsumer(kafka, codec, new RecordWriter(dataSource), group);
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.stop();
    await producer.disconnect();
    await admin.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  /** Schema-valid bytes, as a producer that checked only the schema would have written them. */
  const encode = (event: UncheckedRecordEntryEvent): Buffer => {
    const schemaVersion = codec.catalogue.current(event.type);
    if (!schemaVersion) throw new Error('no schema');
    return codec.encodeWith(schemaVersion, event);
  };

  it.each([
    [
      'a NUL in the narrative',
      (event: UncheckedRecordEntryEvent) => ({
        ...event,
        payload: { ...event.payload, narrative: 'Seen\u0000today' },
      }),
    ],
    [
      'an occurredAt in year 0',
      (event: UncheckedRecordEntryEvent) => {
        const yearZero = new Date(event.occurredAt);
        yearZero.setUTCFullYear(0);
        return { ...event, occurredAt: yearZero };
      },
    ],
  ])(
    '%s is dead-lettered and the entry behind it on its partition is projected',
    async (_, spoil) => {
      const nhsNumber = nextTestNhsNumber();
      const poison = spoil(exampleEvent('ConsultationRecorded', { nhsNumber }));
      const behind = exampleEvent('ConsultationRecorded', { nhsNumber });
      const topic = recordEntryTopic('gp');
      await producer.send({
        topic,
        acks: -1,
        messages: [
          { partition: 1, key: nhsNumber, value: encode(poison) },
          { partition: 1, key: nhsNumber, value: encode(behind) },
        ],
      });

      await eventually(
        async () =>
          expect(
            await dataSource.getRepository(RecordEntryRow).countBy({ eventId: behind.eventId }),
          ).toBe(1),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(
        await dataSource.getRepository(RecordEntryRow).countBy({ eventId: poison.eventId }),
      ).toBe(0);
      const letters = await readPartition(kafka, deadLetterTopic(group), 0);
      const poisonBytes = encode(poison);
      expect(letters.filter((letter) => letter.value?.equals(poisonBytes))).toHaveLength(1);
    },
    120_000,
  );
});
