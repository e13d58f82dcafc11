import { randomUUID } from 'node:crypto';
import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import {
  createKafka,
  recordEntryTopic,
  RecordEntryPublisher,
  ensureTopics,
  platformTopics,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import {
  EntryVersionRow,
  migrateReadModel,
  readModelDataSource,
  RecordEntryRow,
} from '@carelog/read-model';
import { eventually, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { projectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

const codec = loadEventCodec();
const kafka = createKafka('projection-int-test');

function consultation(nhsNumber: string): UncheckedRecordEntryEvent {
  const now = new Date();
  return {
    eventId: randomUUID(),
    type: 'ConsultationRecorded',
    schemaVersion: 1,
    patient: { nhsNumber },
    occurredAt: now,
    recordedAt: now,
    source: { service: 'gp-records', organisation: 'A81001', system: 'test' },
    author: { userId: 'dr-a', role: 'gp', profession: 'gp', organisation: 'A81001' },
    sensitivity: [],
    attention: null,
    correlationId: randomUUID(),
    causationId: null,
    supersedes: null,
    payload: { narrative: 'Reviewed; no change.', codedItems: [] },
  };
}

describe('projection consumer against real Kafka and Postgres', () => {
  let dataSource: DataSource;
  let publisher: RecordEntryPublisher;
  let admin: Admin;
  let consumer: CheckpointedConsumer;
  const group = uniqueName('projection-int');
  const schema = uniqueName('read_model_int');

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics([group]));
    dataSource = readModelDataSource({ applicationName: 'projection-int-test', schema });
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    publisher = new RecordEntryPublisher(kafka, codec);
    await publisher.connect();
    consumer = projectionConsumer(kafka, codec, new RecordWriter(dataSource), group);
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.stop();
    await publisher.disconnect();
    await admin.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  const committedOffset = async (topic: string, partition: number): Promise<bigint> => {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const entry = offsets?.partitions.find((candidate) => candidate.partition === partition);
    return BigInt(entry?.offset ?? '-1');
  };

  it('writes a published entry and then commits its offset', async () => {
    const event = consultation(nextTestNhsNumber());
    const position = await publisher.publish(recordEntryTopic('gp'), event);

    const row = await eventually(async () => {
      const found = await dataSource
        .getRepository(RecordEntryRow)
        .findOneByOrFail({ eventId: event.eventId });
      return found;
    });
    expect(row).toMatchObject({
      nhsNumber: event.patient.nhsNumber,
      entryType: 'ConsultationRecorded',
      status: 'current',
    });
    expect(
      await dataSource.getRepository(EntryVersionRow).findOneByOrFail({ eventId: event.eventId }),
    ).toMatchObject({
      offset: position.offset,
      topic: position.topic,
    });
    await eventually(async () =>
      expect(await committedOffset(position.topic, position.partition)).toBeGreaterThan(
        BigInt(position.offset),
      ),
    );
  });

  it('does not commit the offset while the database write fails, and projects the entry once it succeeds', async () => {
    const nhsNumber = nextTestNhsNumber();
    // A real failure inside Postgres: a trigger refuses this patient's rows and counts the attempts.
    await dataSource.query(`CREATE SEQUENCE "${schema}".failed_attempts`);
    await dataSource.query(`
      CREATE FUNCTION "${schema}".refuse_patient() RETURNS trigger AS $$
      BEGIN
        IF NEW.nhs_number = '${nhsNumber}' THEN
          PERFORM nextval('"${schema}".failed_attempts');
          RAISE EXCEPTION 'simulated database failure';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await dataSource.query(
      `CREATE TRIGGER refuse_patient BEFORE INSERT ON "${schema}".record_entry FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_patient()`,
    );
    const event = consultation(nhsNumber);
    const position = await publisher.publish(recordEntryTopic('gp'), event);

    const attempts = async (): Promise<number> => {
      const [row] = await dataSource.query<Array<{ last_value: string; is_called: boolean }>>(
        `SELECT last_value, is_called FROM "${schema}".failed_attempts`,
      );
      return row?.is_called ? Number(row.last_value) : 0;
    };
    await eventually(async () => expect(await attempts()).toBeGreaterThanOrEqual(2), {
      timeoutMs: 60_000,
    });

    expect(await committedOffset(position.topic, position.partition)).toBeLessThanOrEqual(
      BigInt(position.offset),
    );
    const checkpoint = await new RecordWriter(dataSource).checkpoints.read({
      consumerGroup: group,
      ...position,
    });
    expect(checkpoint === undefined || checkpoint <= BigInt(position.offset)).toBe(true);
    expect(await dataSource.getRepository(RecordEntryRow).countBy({ eventId: event.eventId })).toBe(
      0,
    );

    await dataSource.query(`DROP TRIGGER refuse_patient ON "${schema}".record_entry`);
    await eventually(
      async () =>
        expect(
          await dataSource.getRepository(RecordEntryRow).countBy({ eventId: event.eventId }),
        ).toBe(1),
      {
        timeoutMs: 60_000,
      },
    );
    await eventually(async () =>
      expect(await committedOffset(position.topic, position.partition)).toBeGreaterThan(
        BigInt(position.offset),
      ),
    );
  });
});
