import { randomBytes } from 'node:crypto';
import { loadAnalyticsCodec, loadEventCodec, type AnalyticsRecordEntry } from '@carelog/codec';
import {
  analyticsEntriesTopic,
  createKafka,
  RecordEntryPublisher,
  recordEntryTopic,
} from '@carelog/kafka';
import { eventually, exampleEvent, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Consumer } from 'kafkajs';
import { PseudonymKey } from '../pseudonymised-entry/pseudonym-key';
import { AnalyticsExport } from './analytics-export';
import { exportDataSource } from './export-store';

process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('analytics-wake');

/**
 * The release loop no longer looks every few seconds while nothing waits: the consumer wakes
 * it when it has stored a batch. Its fallback is stretched to ten minutes here, so an entry
 * reaches the feed within the test only if the wake-up works.
 */
describe('the analytics release loop, woken by the consumer', () => {
  const analyticsCodec = loadAnalyticsCodec();
  const organisation = `W${randomBytes(3).toString('hex').toUpperCase()}`;
  const schema = uniqueName('analytics_wake');
  const dataSource = exportDataSource({ schema, applicationName: 'analytics-wake' });
  const pipeline = new AnalyticsExport(
    createKafka('analytics-wake'),
    dataSource,
    {
      key: new PseudonymKey(randomBytes(32).toString('hex')),
      precision: 'month',
      consumerGroup: uniqueName('analytics-wake'),
      publishMarginMs: 1000,
    },
    10 * 60_000,
  );
  const kafka = createKafka('analytics-wake-test');
  const publisher = new RecordEntryPublisher(kafka, loadEventCodec());
  const feed: AnalyticsRecordEntry[] = [];
  let reader: Consumer;

  beforeAll(async () => {
    await pipeline.start();
    await eventually(() => expect(pipeline.consumer.isJoined).toBe(true));
    await publisher.connect();
    reader = kafka.consumer({ groupId: uniqueName('analytics-wake-reader') });
    await reader.connect();
    await reader.subscribe({ topics: [analyticsEntriesTopic()], fromBeginning: true });
    await reader.run({
      eachMessage: ({ message }) => {
        const { event } = analyticsCodec.decode(message.value ?? Buffer.alloc(0));
        feed.push(event as AnalyticsRecordEntry);
        return Promise.resolve();
      },
    });
  }, 120_000);

  afterAll(async () => {
    await reader.disconnect();
    await publisher.disconnect();
    await pipeline.stop();
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('given an idle export, when an entry is recorded, then it is released without waiting for the fallback look', async () => {
    await publisher.publish(
      recordEntryTopic('gp'),
      exampleEvent('ConsultationRecorded', { nhsNumber: nextTestNhsNumber(), organisation }),
    );
    await eventually(
      () => expect(feed.filter((entry) => entry.organisation === organisation)).toHaveLength(1),
      { timeoutMs: 90_000 },
    );
  }, 120_000);
});
