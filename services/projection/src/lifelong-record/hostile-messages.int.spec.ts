import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  recordEntryTopics,
  type PartitionLag,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import { metricsRegistry } from '@carelog/nest-platform';
import { migrateReadModel, readModelDataSource, ReadModelVersions } from '@carelog/read-model';
import {
  consumerSeries,
  eventually,
  expectEachHostileDeadLetteredOnce,
  hostileCorpus,
  HOSTILE_KINDS,
  publishCorpus,
  uniqueName,
  type CorpusMessage,
} from '@carelog/testing';
import type { Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { rebuildReadModel } from '../rebuild/rebuild';
import { projectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

// Topics and projection groups of this test's own: names are read when used.
process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('hostile-projection');
process.env['CARELOG_PROJECTION_GROUP'] = uniqueName('hostile-projection-group');

const codec = loadEventCodec();
const kafka = createKafka('hostile-projection-test');
/** 8 rounds of every hostile kind on each record-entry topic, a valid entry before each. */
const ROUNDS = 8;

/**
 * Over raw Kafka, hostile messages interleaved with valid entries on every record-entry topic:
 * the projection (and a rebuild from offset 0) stores every valid one, dead-letters every
 * hostile one exactly once with a reason, and its lag comes back to 0.
 */
describe('the projection under hostile messages on every record-entry topic', () => {
  const group = uniqueName('hostile-projection');
  const schema = uniqueName('read_model_hostile');
  const serving = uniqueName('read_model_hostile_serving');
  const corpus: CorpusMessage[] = hostileCorpus(recordEntryTopics(), { rounds: ROUNDS });
  const hostile = corpus.filter((message) => message.hostile);
  const valid = corpus.filter((message) => !message.hostile);
  let admin: Admin;
  let dataSource: DataSource;
  let control: DataSource;
  let consumer: CheckpointedConsumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics([group]));
    dataSource = readModelDataSource({ applicationName: 'hostile-projection-test', schema });
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    control = readModelDataSource({
      applicationName: 'hostile-projection-control',
      schema: serving,
      poolSize: 2,
    });
    await control.initialize();
    consumer = projectionConsumer(kafka, codec, new RecordWriter(dataSource), group);
    await consumer.start();
    await publishCorpus(kafka, corpus);
  });

  afterAll(async () => {
    await consumer.stop();
    await admin.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
    await control.query(`DROP SCHEMA IF EXISTS "${serving}" CASCADE`);
    for (const version of [1, 2])
      await control.query(`DROP SCHEMA IF EXISTS "${serving}_v${version}" CASCADE`);
    await control.destroy();
  });

  const storedEventIds = async (store: DataSource, inSchema: string): Promise<Set<string>> =>
    new Set(
      (
        await store.query<Array<{ event_id: string }>>(
          `SELECT event_id FROM "${inSchema}".entry_version`,
        )
      ).map((row) => row.event_id),
    );

  it('projects every valid entry and dead-letters every hostile message once, with its reason; lag back to 0', async () => {
    expect(hostile.length).toBeGreaterThanOrEqual(500);
    expect(new Set(hostile.map((message) => message.id.split(':')[1]))).toEqual(
      new Set(HOSTILE_KINDS),
    );
    const letters = await expectEachHostileDeadLetteredOnce(kafka, group, corpus);

    const stored = await eventually(
      async () => {
        const ids = await storedEventIds(dataSource, schema);
        expect(ids.size).toBe(valid.length);
        return ids;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    for (const message of valid) expect(stored.has(message.eventId ?? '')).toBe(true);
    expect(corpus.length).toBe(stored.size + letters.length);

    // Lag of every partition (not only those that had a batch), from the broker and the store.
    await eventually(
      async () => {
        await consumer.refreshLag();
        const partitions: readonly PartitionLag[] = consumer.lag;
        expect(partitions.length).toBeGreaterThanOrEqual(recordEntryTopics().length * 6);
        expect(partitions.filter((entry) => entry.lag !== 0)).toEqual([]);
      },
      { timeoutMs: 60_000 },
    );
    const metrics = await metricsRegistry.metrics();
    const series = consumerSeries(metrics, 'carelog_consumer_lag', group);
    expect(series.length).toBeGreaterThanOrEqual(recordEntryTopics().length * 6);
    expect(series.filter((line) => !line.endsWith(' 0'))).toEqual([]);
    expect(metrics).toMatch(
      new RegExp(`carelog_consumer_stall_seconds\\{consumer_group="${group}"\\} 0`),
    );
  }, 300_000);

  it('a rebuild from offset 0 takes in the same valid entries and dead-letters the same hostile ones once', async () => {
    const version = await rebuildReadModel({
      kafka,
      codec,
      versions: new ReadModelVersions(control, serving),
      switchOver: false,
    });
    const rebuilt = await storedEventIds(control, version.schema);
    expect(rebuilt.size).toBe(valid.length);
    for (const message of valid) expect(rebuilt.has(message.eventId ?? '')).toBe(true);
    const letters = await expectEachHostileDeadLetteredOnce(kafka, version.consumerGroup, corpus);
    expect(corpus.length).toBe(rebuilt.size + letters.length);
  }, 300_000);
});
