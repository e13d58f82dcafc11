import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  ENTRY_TYPE_HEADER,
  ensureTopics,
  platformTopics,
  readDeadLetters,
  recordEntryTopic,
  redriveDeadLetters,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import { EntryVersionRow, migrateReadModel, readModelDataSource } from '@carelog/read-model';
import {
  deadLettersOf,
  eventually,
  exampleEvent,
  nextTestNhsNumber,
  uniqueName,
} from '@carelog/testing';
import type { Admin, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { projectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('redrive');

const codec = loadEventCodec();
const kafka = createKafka('projection-redrive-test');
const run = promisify(execFile);
const repositoryRoot = resolve(__dirname, '..', '..', '..', '..');

/**
 * Entries the store refuses for good (an integrity constraint, class 23) are dead-lettered
 * one by one while their neighbours in the same batch are stored; once the store is fixed,
 * `npm run dlq -- redrive` lands each of them exactly once, however often it is run.
 */
describe('dead letters, fixed and re-driven', () => {
  const group = uniqueName('redrive-projection');
  const schema = uniqueName('read_model_redrive');
  const refused = nextTestNhsNumber();
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
    dataSource = readModelDataSource({ applicationName: 'projection-redrive-test', schema });
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

  const versionsOf = (eventId: string) =>
    dataSource.getRepository(EntryVersionRow).findBy({ eventId });

  it('isolates the refused entries, and a re-drive after the fix projects each exactly once', async () => {
    // Given: the store refuses one patient's rows (a defect in the read model, say).
    await dataSource.query(
      `ALTER TABLE "${schema}".entry_version ADD CONSTRAINT refuse_one_patient CHECK (nhs_number <> '${refused}')`,
    );
    const events = [nextTestNhsNumber(), refused, nextTestNhsNumber(), refused].map((nhsNumber) =>
      exampleEvent('ConsultationRecorded', { nhsNumber }),
    );
    const [good1, bad1, good2, bad2] = events;
    if (!good1 || !bad1 || !good2 || !bad2) throw new Error('four events');
    const topic = recordEntryTopic('gp');
    // One partition, one send: the four arrive in one batch.
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((event) => ({
        partition: 0,
        key: event.patient.nhsNumber,
        value: codec.encode(event),
        headers: { [ENTRY_TYPE_HEADER]: event.type },
      })),
    });

    // Then: the good ones are stored, the refused ones dead-lettered once each, with the reason.
    await eventually(
      async () => {
        expect(await versionsOf(good1.eventId)).toHaveLength(1);
        expect(await versionsOf(good2.eventId)).toHaveLength(1);
        expect(await deadLettersOf(kafka, group)).toHaveLength(2);
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const letters = await readDeadLetters(kafka, group);
    expect(letters.map((letter) => letter.eventId)).toEqual([bad1.eventId, bad2.eventId]);
    for (const letter of letters) {
      expect(letter.code).toBe('postgres-23514');
      expect(letter.reason).toContain('constraint refuse_one_patient');
      expect(letter.reason).not.toContain(refused);
      expect(letter.source).toMatchObject({ topic, partition: 0 });
    }
    expect(await versionsOf(bad1.eventId)).toHaveLength(0);

    // The command lists them, without their content.
    const env = { ...process.env, CARELOG_TOPIC_PREFIX: process.env['CARELOG_TOPIC_PREFIX'] };
    const listed = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'tools/dlq.ts', 'list', '--group', group],
      { cwd: repositoryRoot, env },
    );
    expect(listed.stdout).toContain(bad1.eventId);
    expect(listed.stdout).toContain(bad2.eventId);
    expect(listed.stdout).toContain('postgres-23514');
    expect(listed.stdout).not.toContain(refused);
    expect(listed.stderr).toContain('2 dead letter(s)');

    // When: the fix lands, and the dead letters are re-driven (twice, by the command).
    await dataSource.query(
      `ALTER TABLE "${schema}".entry_version DROP CONSTRAINT refuse_one_patient`,
    );
    for (let time = 0; time < 2; time++) {
      const redriven = await run(
        process.execPath,
        ['-r', '@swc-node/register', 'tools/dlq.ts', 'redrive', '--group', group],
        { cwd: repositoryRoot, env },
      );
      expect(redriven.stderr).toContain('put 2 dead letter(s) back');
    }

    // Then: each lands exactly once, recorded where it was first written.
    await eventually(
      async () => {
        const [first] = await versionsOf(bad1.eventId);
        const [second] = await versionsOf(bad2.eventId);
        expect(first).toMatchObject({ topic, partition: 0, offset: letters[0]?.source?.offset });
        expect(second).toMatchObject({ topic, partition: 0, offset: letters[1]?.source?.offset });
      },
      { timeoutMs: 60_000 },
    );
    await eventually(async () => {
      await consumer.refreshLag();
      expect(consumer.lag.filter((entry) => entry.lag !== 0)).toEqual([]);
    });
    for (const event of events) expect(await versionsOf(event.eventId)).toHaveLength(1);
    const recordRows = await dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM "${schema}".record_entry WHERE event_id = ANY($1::uuid[])`,
      [events.map((event) => event.eventId)],
    );
    expect(Number(recordRows[0]?.n)).toBe(4);
    // Nothing new was dead-lettered by the re-drives.
    expect(await deadLettersOf(kafka, group)).toHaveLength(2);
    // A re-drive in-process of the same letters changes nothing either.
    expect(await redriveDeadLetters(kafka, group, letters)).toEqual({ redriven: 2, duplicates: 0 });
    await eventually(async () => {
      await consumer.refreshLag();
      expect(consumer.lag.filter((entry) => entry.lag !== 0)).toEqual([]);
    });
    for (const event of events) expect(await versionsOf(event.eventId)).toHaveLength(1);
  }, 240_000);
});
