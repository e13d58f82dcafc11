import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import {
  createKafka,
  deadLetterTopic,
  DLQ_HEADERS,
  MAX_TRANSIENT_ATTEMPTS,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  type CheckpointedConsumer,
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
import { projectionConsumer } from './projection-consumer';
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
  let consumer: CheckpointedConsumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics([group]));
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    dataSource = readModelDataSource({ applicationName: 'projection-poison-stall', schema });
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    consumer = projectionConsumer(kafka, codec, new RecordWriter(dataSource), group);
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

  it('a message that fails transiently every time holds its partition for a bounded number of attempts, then is dead-lettered', async () => {
    const nhsNumber = nextTestNhsNumber();
    // A failure Postgres gives for this patient every time, of a kind nobody classified (P0001).
    await dataSource.query(`CREATE SEQUENCE "${schema}".attempts`);
    await dataSource.query(`
      CREATE FUNCTION "${schema}".always_fail() RETURNS trigger AS $$
      BEGIN
        IF NEW.nhs_number = '${nhsNumber}' THEN
          PERFORM nextval('"${schema}".attempts');
          RAISE EXCEPTION 'simulated failure';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await dataSource.query(
      `CREATE TRIGGER always_fail BEFORE INSERT ON "${schema}".entry_version FOR EACH ROW EXECUTE FUNCTION "${schema}".always_fail()`,
    );
    const failing = exampleEvent('ConsultationRecorded', { nhsNumber });
    const behind = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    await producer.send({
      topic: recordEntryTopic('gp'),
      acks: -1,
      messages: [failing, behind].map((event) => ({
        partition: 2,
        key: event.patient.nhsNumber,
        value: codec.encode(event),
      })),
    });

    await eventually(
      async () =>
        expect(
          await dataSource.getRepository(RecordEntryRow).countBy({ eventId: behind.eventId }),
        ).toBe(1),
      { timeoutMs: 110_000, intervalMs: 1000 },
    );
    const [attempts] = await dataSource.query<Array<{ last_value: string }>>(
      `SELECT last_value FROM "${schema}".attempts`,
    );
    // Tried as part of its batch and then on its own, each at most MAX_TRANSIENT_ATTEMPTS times.
    expect(Number(attempts?.last_value)).toBeGreaterThanOrEqual(MAX_TRANSIENT_ATTEMPTS);
    expect(Number(attempts?.last_value)).toBeLessThanOrEqual(2 * MAX_TRANSIENT_ATTEMPTS);
    const letters = await readPartition(kafka, deadLetterTopic(group), 0);
    const letter = letters.filter(
      (candidate) => candidate.headers?.[DLQ_HEADERS.eventId]?.toString() === failing.eventId,
    );
    expect(letter).toHaveLength(1);
    expect(letter[0]?.headers?.[DLQ_HEADERS.code]?.toString()).toBe('retries-exhausted');
    expect(letter[0]?.headers?.[DLQ_HEADERS.reason]?.toString()).toContain('postgres-P0001');
  }, 150_000);
});
