import { randomBytes } from 'node:crypto';
import { createKafka, recordEntryTopics } from '@carelog/kafka';
import { metricsRegistry } from '@carelog/nest-platform';
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
import { PseudonymKey } from '../pseudonymised-entry/pseudonym-key';
import { AnalyticsExport } from './analytics-export';
import { exportDataSource } from './export-store';

// Topics of this test's own on the shared broker: names are read when used.
process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('hostile-analytics');

/**
 * Over raw Kafka, hostile messages interleaved with valid entries on every record-entry topic:
 * the analytics export reads every valid one, dead-letters every hostile one exactly once with
 * a reason (year 0 used to stop it), and its lag comes back to 0 on every partition.
 */
describe('the analytics export under hostile messages on every record-entry topic', () => {
  const kafka = createKafka('hostile-analytics-test');
  const consumerGroup = uniqueName('hostile-analytics');
  const schema = uniqueName('analytics_hostile');
  let dataSource: DataSource;
  let pipeline: AnalyticsExport;

  beforeAll(async () => {
    dataSource = exportDataSource({ schema, applicationName: 'hostile-analytics-test' });
    pipeline = new AnalyticsExport(kafka, dataSource, {
      key: new PseudonymKey(randomBytes(32).toString('hex')),
      precision: 'day',
      consumerGroup,
      publishMarginMs: 2000,
    });
    await pipeline.start();
  });

  afterAll(async () => {
    await pipeline.stop();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('reads every valid entry and dead-letters every hostile message once, with its reason; lag back to 0', async () => {
    const corpus = hostileCorpus(recordEntryTopics(), { rounds: 8 });
    const hostile = corpus.filter((message) => message.hostile);
    expect(hostile.length).toBeGreaterThanOrEqual(500);
    await publishCorpus(kafka, corpus);

    await expectEachHostileDeadLetteredOnce(kafka, consumerGroup, corpus);

    // in = read + dead-lettered: the stored checkpoint is at the end of every partition.
    const ends = await endOffsets(kafka, recordEntryTopics());
    expect([...ends.values()].reduce((sum, end) => sum + end, 0n)).toBe(BigInt(corpus.length));
    await eventually(
      async () => {
        for (const [key, end] of ends) {
          if (end === 0n) continue;
          const [topic = '', partition = ''] = key.split(/:(?=\d+$)/);
          expect([
            key,
            await pipeline.store.checkpoints.read({
              consumerGroup,
              topic,
              partition: Number(partition),
            }),
          ]).toEqual([key, end]);
        }
      },
      { timeoutMs: 60_000 },
    );

    await eventually(
      async () => {
        const lines = consumerSeries(
          await metricsRegistry.metrics(),
          'carelog_consumer_lag',
          consumerGroup,
        );
        expect(lines.length).toBe(ends.size + 1);
        expect(lines.filter((line) => !line.endsWith(' 0'))).toEqual([]);
      },
      { timeoutMs: 60_000 },
    );
  }, 300_000);
});
