import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createKafka, recordEntryTopics, redriveTopic } from '@carelog/kafka';
import { createHttpService } from '@carelog/nest-platform';
import { migrateReadModel, readModelDataSource } from '@carelog/read-model';
import {
  consumerSeries,
  endOffsets,
  eventually,
  expectEachHostileDeadLetteredOnce,
  hostileCorpus,
  publishCorpus,
  uniqueName,
} from '@carelog/testing';
import type { DataSource } from 'typeorm';

/**
 * Over raw Kafka, hostile messages interleaved with valid entries on every record-entry topic:
 * the notifications consumer handles every valid one, dead-letters every hostile one exactly
 * once with a reason, and its lag comes back to 0 on every partition.
 */
describe('the notifications consumer under hostile messages on every record-entry topic', () => {
  const env = {
    CARELOG_TOPIC_PREFIX: uniqueName('hostile-notify'),
    CARELOG_NOTIFICATIONS_GROUP: uniqueName('hostile-notifications'),
    CARELOG_NOTIFICATIONS_SCHEMA: uniqueName('notifications_hostile'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_hostile_notify'),
  };
  const saved = { ...process.env };
  const kafka = createKafka('hostile-notifications-test');
  let app: NestExpressApplication;
  let url: string;
  let readModel: DataSource;

  beforeAll(async () => {
    Object.assign(process.env, env);
    readModel = readModelDataSource({ applicationName: 'hostile-notifications', poolSize: 2 });
    await readModel.initialize();
    await migrateReadModel(readModel);
    app = await createHttpService({
      name: 'notifications',
      description: 'under test',
      module: (await import('../app.module')).NotificationsModule,
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await readModel.query(`DROP SCHEMA IF EXISTS "${env.CARELOG_NOTIFICATIONS_SCHEMA}" CASCADE`);
    await readModel.query(`DROP SCHEMA IF EXISTS "${env.CARELOG_READ_MODEL_SCHEMA}" CASCADE`);
    await readModel.destroy();
    process.env = saved;
  });

  it('handles every valid entry and dead-letters every hostile message once, with its reason; lag back to 0', async () => {
    const corpus = hostileCorpus(recordEntryTopics(), { rounds: 8 });
    const hostile = corpus.filter((message) => message.hostile);
    expect(hostile.length).toBeGreaterThanOrEqual(500);
    await publishCorpus(kafka, corpus);

    await expectEachHostileDeadLetteredOnce(kafka, env.CARELOG_NOTIFICATIONS_GROUP, corpus);

    // Every valid one was handled: the stored checkpoint is at the end of every partition,
    // so in = handled + dead-lettered.
    const ends = await endOffsets(kafka, recordEntryTopics());
    expect([...ends.values()].reduce((sum, end) => sum + end, 0n)).toBe(BigInt(corpus.length));
    await eventually(
      async () => {
        const rows = await readModel.query<
          Array<{ topic: string; kafka_partition: number; next_offset: string }>
        >(
          `SELECT topic, kafka_partition, next_offset FROM "${env.CARELOG_NOTIFICATIONS_SCHEMA}".consumer_checkpoint
           WHERE consumer_group = $1`,
          [env.CARELOG_NOTIFICATIONS_GROUP],
        );
        const stored = new Map(
          rows.map((row) => [`${row.topic}:${row.kafka_partition}`, BigInt(row.next_offset)]),
        );
        for (const [partition, end] of ends)
          if (end > 0n) expect([partition, stored.get(partition)]).toEqual([partition, end]);
      },
      { timeoutMs: 60_000 },
    );

    // Lag of every partition the group reads, the re-drive topic included, back to 0.
    await eventually(
      async () => {
        const lines = consumerSeries(
          await fetch(`${url}/metrics`).then((response) => response.text()),
          'carelog_consumer_lag',
          env.CARELOG_NOTIFICATIONS_GROUP,
        );
        expect(lines.length).toBe(ends.size + 1);
        expect(
          lines.some((line) => line.includes(redriveTopic(env.CARELOG_NOTIFICATIONS_GROUP))),
        ).toBe(true);
        expect(lines.filter((line) => !line.endsWith(' 0'))).toEqual([]);
      },
      { timeoutMs: 60_000 },
    );
  }, 300_000);
});
