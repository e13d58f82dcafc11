import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  RecordEntryPublisher,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import { metricsRegistry } from '@carelog/nest-platform';
import { migrateReadModel, readModelDataSource, RecordEntryRow } from '@carelog/read-model';
import {
  deadLettersOf,
  eventually,
  exampleEvent,
  nextTestNhsNumber,
  uniqueName,
} from '@carelog/testing';
import type { Admin } from 'kafkajs';
import type { DataSource, QueryRunner } from 'typeorm';
import { projectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('stall');

const codec = loadEventCodec();
const kafka = createKafka('projection-stall-test');

/** The value of one series in the Prometheus text, or undefined when it is not there. */
function gauge(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = metrics
    .split('\n')
    .find(
      (candidate) =>
        candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * A partition held up by the store (a transient failure induced on the real Postgres: a lock
 * held on the table the projection writes) shows in the lag and stall gauges within seconds,
 * and keeps counting while the write waits; when the lock goes, the entry is projected once,
 * nothing is dead-lettered, and lag and stall return to 0.
 */
describe('a stalled partition in the lag and stall metrics', () => {
  const group = uniqueName('stall-projection');
  const schema = uniqueName('read_model_stall');
  let admin: Admin;
  let dataSource: DataSource;
  let consumer: CheckpointedConsumer;
  let publisher: RecordEntryPublisher;
  let locker: QueryRunner | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics([group]));
    dataSource = readModelDataSource({ applicationName: 'projection-stall-test', schema });
    await dataSource.initialize();
    await migrateReadModel(dataSource);
    consumer = projectionConsumer(kafka, codec, new RecordWriter(dataSource), group);
    await consumer.start();
    publisher = new RecordEntryPublisher(kafka, codec);
    await publisher.connect();
  });

  afterAll(async () => {
    if (locker) {
      await locker.rollbackTransaction().catch(() => undefined);
      await locker.release();
    }
    await consumer.stop();
    await publisher.disconnect();
    await admin.disconnect();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('shows the stalled partition within seconds, keeps counting, and clears when the store answers', async () => {
    const topic = recordEntryTopic('gp');
    const warmUp = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    await publisher.publish(topic, warmUp);
    await eventually(
      async () =>
        expect(
          await dataSource.getRepository(RecordEntryRow).countBy({ eventId: warmUp.eventId }),
        ).toBe(1),
      { timeoutMs: 60_000 },
    );

    // Given: another session holds a lock on the table every entry is written to.
    locker = dataSource.createQueryRunner();
    await locker.connect();
    await locker.startTransaction();
    await locker.query(`LOCK TABLE "${schema}".entry_version IN ACCESS EXCLUSIVE MODE`);

    const stuck = exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber() });
    const position = await publisher.publish(topic, stuck);
    const published = Date.now();
    const labels = { consumer_group: group, topic, partition: String(position.partition) };

    // Then: the lag shows within seconds, while the consumer is stuck on the write.
    await eventually(
      async () =>
        expect(gauge(await metricsRegistry.metrics(), 'carelog_consumer_lag', labels)).toBe(1),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const seenAfterMs = Date.now() - published;
    expect(seenAfterMs).toBeLessThan(10_000);

    // And the stall age grows past the consumer group's session time-out (10 s) while the
    // consumer stays a member: readiness does not flap.
    await eventually(
      async () => {
        const metrics = await metricsRegistry.metrics();
        expect(
          gauge(metrics, 'carelog_consumer_oldest_unprocessed_seconds', labels),
        ).toBeGreaterThanOrEqual(12);
        expect(
          gauge(metrics, 'carelog_consumer_stall_seconds', { consumer_group: group }),
        ).toBeGreaterThanOrEqual(12);
        expect(gauge(metrics, 'carelog_consumer_lag', labels)).toBe(1);
        expect(
          gauge(metrics, 'carelog_projection_consumer_lag', {
            topic,
            partition: String(position.partition),
          }),
        ).toBe(1);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(consumer.isJoined).toBe(true);
    expect(await dataSource.getRepository(RecordEntryRow).countBy({ eventId: stuck.eventId })).toBe(
      0,
    );

    // When the lock goes, the entry is projected once and both gauges return to 0.
    await locker.rollbackTransaction();
    await locker.release();
    locker = undefined;
    await eventually(
      async () =>
        expect(
          await dataSource.getRepository(RecordEntryRow).countBy({ eventId: stuck.eventId }),
        ).toBe(1),
      { timeoutMs: 60_000 },
    );
    await eventually(
      async () => {
        const metrics = await metricsRegistry.metrics();
        expect(gauge(metrics, 'carelog_consumer_lag', labels)).toBe(0);
        expect(gauge(metrics, 'carelog_consumer_stall_seconds', { consumer_group: group })).toBe(0);
      },
      { timeoutMs: 30_000 },
    );
    expect(consumer.isJoined).toBe(true);
    expect(await deadLettersOf(kafka, group)).toEqual([]);
  }, 180_000);
});
