import { randomBytes } from 'node:crypto';
import { loadAnalyticsCodec, loadEventCodec, type AnalyticsRecordEntry } from '@carelog/codec';
import {
  analyticsCountsTopic,
  analyticsEntriesTopic,
  createKafka,
  RecordEntryPublisher,
  recordEntryTopic,
} from '@carelog/kafka';
import { eventually, exampleEvent, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { Consumer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { PseudonymKey } from '../pseudonymised-entry/pseudonym-key';
import { AnalyticsExport } from './analytics-export';
import { exportDataSource } from './export-store';

process.env['CARELOG_TOPIC_PREFIX'] = uniqueName('analytics-instances');

const codec = loadEventCodec();
const analyticsCodec = loadAnalyticsCodec();
const key = new PseudonymKey(randomBytes(32).toString('hex'));

/**
 * Two instances in one consumer group on one store, as a scaled-out deployment runs: every
 * entry is decided once, by one of them, and one stopping hands its partitions to the other.
 */
describe('two analytics export instances against real Kafka and Postgres', () => {
  const organisation = `T${randomBytes(3).toString('hex').toUpperCase()}`;
  const consumerGroup = uniqueName('analytics-instances');
  const schema = uniqueName('analytics_instances');
  const config = { key, precision: 'month' as const, consumerGroup, publishMarginMs: 1000 };
  const sources: DataSource[] = [];
  const instances: AnalyticsExport[] = [];
  const feed: AnalyticsRecordEntry[] = [];
  const counts = new Map<string, number>();
  let publisher: RecordEntryPublisher;
  let reader: Consumer;

  const startInstance = async (name: string) => {
    const dataSource = exportDataSource({ schema, applicationName: name });
    sources.push(dataSource);
    const instance = new AnalyticsExport(createKafka(name), dataSource, config);
    await instance.start();
    instances.push(instance);
    return instance;
  };

  beforeAll(async () => {
    const first = await startInstance('analytics-instance-a');
    const second = await startInstance('analytics-instance-b');
    await eventually(() => expect(first.consumer.isJoined && second.consumer.isJoined).toBe(true));
    const kafka = createKafka('analytics-instances-test');
    publisher = new RecordEntryPublisher(kafka, codec);
    await publisher.connect();
    reader = kafka.consumer({ groupId: uniqueName('analytics-instances-reader') });
    await reader.connect();
    await reader.subscribe({
      topics: [analyticsEntriesTopic(), analyticsCountsTopic()],
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: ({ topic, message }) => {
        const { event } = analyticsCodec.decode(message.value ?? Buffer.alloc(0));
        if (topic === analyticsEntriesTopic()) feed.push(event as AnalyticsRecordEntry);
        else
          counts.set(
            message.key?.toString() ?? '',
            (event as { entriesExported: number }).entriesExported,
          );
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await reader.disconnect();
    await publisher.disconnect();
    for (const instance of instances) await instance.stop();
    await sources[0]?.query(`DROP SCHEMA "${schema}" CASCADE`);
    for (const dataSource of sources) if (dataSource.isInitialized) await dataSource.destroy();
  });

  const publishFor = async (patients: string[]) => {
    for (const nhsNumber of patients) {
      await publisher.publish(
        recordEntryTopic('gp'),
        exampleEvent('ConsultationRecorded', { nhsNumber, organisation }),
      );
      await publisher.publish(
        recordEntryTopic('social-care'),
        exampleEvent('CareVisitRecorded', { nhsNumber, organisation }),
      );
      await publisher.publish(
        recordEntryTopic('maternity'),
        exampleEvent('AntenatalContactRecorded', { nhsNumber, organisation }),
      );
    }
  };
  const ours = () => feed.filter((entry) => entry.organisation === organisation);

  it('decides every entry exactly once between them, and the counts add up', async () => {
    const patients = Array.from({ length: 150 }, () => nextTestNhsNumber());
    const optedOut = patients.slice(0, 15);
    for (const nhsNumber of optedOut) {
      await publisher.publish(
        recordEntryTopic('patient'),
        exampleEvent('OptOutRecorded', {
          nhsNumber,
          payload: { optOutType: 'national-data-opt-out', effective: true },
        }),
      );
    }
    const started = Date.now();
    await publishFor(patients);
    const published = Date.now();
    const expected = (patients.length - optedOut.length) * 3;
    await eventually(() => expect(ours()).toHaveLength(expected), { timeoutMs: 90_000 });
    const decided = Date.now();

    const ids = ours().map((entry) => entry.analyticsId);
    expect(new Set(ids).size).toBe(ids.length);
    const excluded = new Set(optedOut.map((nhsNumber) => key.patient(nhsNumber)));
    expect(ours().some((entry) => excluded.has(entry.patientPseudonym))).toBe(false);
    await eventually(() =>
      expect(
        [...counts.entries()]
          .filter(([countKey]) => countKey.startsWith(`${organisation}|`))
          .reduce((sum, [, n]) => sum + n, 0),
      ).toBe(expected),
    );
    process.stdout.write(
      `analytics export, two instances: ${patients.length * 3} entries published in ${published - started} ms, ` +
        `${expected} exported ${decided - published} ms after the last was published (margin 1000 ms)\n`,
    );
  });

  it('carries on with one instance when the other stops', async () => {
    const before = ours().length;
    await instances.shift()?.stop();
    const patients = Array.from({ length: 10 }, () => nextTestNhsNumber());
    await publishFor(patients);
    await eventually(() => expect(ours()).toHaveLength(before + patients.length * 3), {
      timeoutMs: 90_000,
    });
    const ids = ours().map((entry) => entry.analyticsId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
